// Saving what the window shows as a PNG file (the OpenGL back buffer after rendering).
#pragma once
#include <string>

namespace pvlab::ui {

// Read the current GL back buffer (width x height pixels) and write it to `path` as an RGB
// PNG: all of it, or the rectangle at (x, y) of cw x ch pixels (top-left origin) when cw > 0.
// False with `error` set when it cannot be written.
bool save_screenshot(const std::string& path, int width, int height, std::string& error, int x = 0,
                     int y = 0, int cw = 0, int ch = 0);

}  // namespace pvlab::ui
