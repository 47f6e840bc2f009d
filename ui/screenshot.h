// Saving what the window shows as a PNG file (the OpenGL back buffer after rendering).
#pragma once
#include <string>

namespace pvlab::ui {

// Read the current GL back buffer (width x height pixels) and write it to `path` as an RGB
// PNG. False with `error` set when it cannot be written.
bool save_screenshot(const std::string& path, int width, int height, std::string& error);

}  // namespace pvlab::ui
