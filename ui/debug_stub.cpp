// `pvlab debug` in a pvlab built without SDL2, Dear ImGui or OpenGL: say so.
#include <cstdio>

#include "frontend/exit_codes.h"
#include "ui/debugger.h"

namespace pvlab::ui {

int debug_main(const DebugOptions&) {
  std::fprintf(stderr,
               "pvlab: this pvlab was built without the GUI debugger (it needs libsdl2-dev, "
               "libimgui-dev, libgl-dev and libstb-dev: tools/dev.sh deps); `pvlab run --gdb PORT` "
               "debugs with gdb\n");
  return exit_code::kUsage;
}

}  // namespace pvlab::ui
