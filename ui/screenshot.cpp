// Screenshots (ui/screenshot.h): glReadPixels, then stb_image_write's PNG encoder.
#include "ui/screenshot.h"

#include <SDL_opengl.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace pvlab::ui {

bool save_screenshot(const std::string& path, int width, int height, std::string& error, int x, int y,
                     int cw, int ch) {
  if (width <= 0 || height <= 0) {
    error = "the window has no size";
    return false;
  }
  const size_t row = size_t(width) * 3;
  std::vector<unsigned char> px(row * size_t(height)), flipped(px.size());
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  if (GLenum e = glGetError(); e != GL_NO_ERROR) {
    error = "glReadPixels failed (GL error " + std::to_string(e) + ")";
    return false;
  }
  // OpenGL's rows start at the bottom; PNG's at the top.
  for (int r = 0; r < height; ++r)
    std::memcpy(flipped.data() + size_t(r) * row, px.data() + size_t(height - 1 - r) * row, row);
  // A window's rectangle, clipped to the screen.
  int ox = 0, oy = 0, ow = width, oh = height;
  if (cw > 0 && ch > 0) {
    ox = std::clamp(x, 0, width - 1);
    oy = std::clamp(y, 0, height - 1);
    ow = std::min(cw, width - ox);
    oh = std::min(ch, height - oy);
  }
  const unsigned char* first = flipped.data() + size_t(oy) * row + size_t(ox) * 3;
  errno = 0;
  if (!stbi_write_png(path.c_str(), ow, oh, 3, first, int(row))) {
    error = std::string("cannot write the file") + (errno ? std::string(": ") + std::strerror(errno) : "");
    return false;
  }
  return true;
}

}  // namespace pvlab::ui
