// `pvlab debug`: load the kernel into a Session, open an SDL2 window with an OpenGL 3
// context, and draw the debugger's windows with Dear ImGui until the user (or the script)
// quits. The window layout is remembered in $XDG_CONFIG_HOME/pvlab/imgui.ini (or
// ~/.config/pvlab/imgui.ini); a scripted run neither reads nor writes it.
#include "ui/debugger.h"

#include <SDL.h>
#include <SDL_opengl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>

#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "frontend/elf_image.h"
#include "frontend/exit_codes.h"
#include "frontend/session.h"
#include "frontend/session_target.h"
#include "frontend/timing_setup.h"
#include "hyper/hypervisor.h"
#include "ui/app.h"
#include "ui/replay_open.h"
#include "ui/screenshot.h"
#include "ui/script.h"

namespace pvlab::ui {

namespace {

// Where the window layout lives between runs (empty when there is no home to put it in).
std::string layout_path() {
  std::filesystem::path dir;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) dir = x;
  else if (const char* h = std::getenv("HOME"); h && *h) dir = std::filesystem::path(h) / ".config";
  else return {};
  dir /= "pvlab";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return {};
  return (dir / "imgui.ini").string();
}

void shortcuts(App& a) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  const bool stopped = !a.busy() && !a.ended;
  // Shift goes backwards (the reverse history), also after the machine ended.
  const bool shift = io.KeyShift, idle = !a.busy();
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F5, false) && shift && idle) a.reverse_continue();
  else if (ImGui::IsKeyPressed(SDL_SCANCODE_F5, false) && !shift && stopped) a.start(RunMode::Continue);
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F6, false)) a.pause();
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F11) && shift && idle) a.step_back();
  else if (ImGui::IsKeyPressed(SDL_SCANCODE_F11) && !shift && stopped) a.step();
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F10, false) && stopped) a.start(RunMode::StepOver);
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F4, false) && stopped && a.dis.cursor) a.start(RunMode::RunTo, *a.dis.cursor);
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F9, false) && !a.busy() && a.dis.cursor) a.toggle_breakpoint(*a.dis.cursor);
}

void menu(App& a) {
  if (!ImGui::BeginMainMenuBar()) return;
  a.menu_height = ImGui::GetWindowSize().y;
  const bool stopped = !a.busy() && !a.ended;
  if (ImGui::BeginMenu("Debug")) {
    if (ImGui::MenuItem("Run", "F5", false, stopped)) a.start(RunMode::Continue);
    if (ImGui::MenuItem("Pause", "F6", false, a.busy())) a.pause();
    if (ImGui::MenuItem("Step", "F11", false, stopped)) a.step();
    if (ImGui::MenuItem("Step over", "F10", false, stopped)) a.start(RunMode::StepOver);
    if (ImGui::MenuItem("Run to cursor", "F4", false, stopped && a.dis.cursor)) a.start(RunMode::RunTo, *a.dis.cursor);
    if (ImGui::MenuItem("Toggle breakpoint at cursor", "F9", false, !a.busy() && a.dis.cursor))
      a.toggle_breakpoint(*a.dis.cursor);
    ImGui::Separator();
    if (ImGui::MenuItem("Quit")) a.quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Windows")) {
    for (size_t k = 0; k < kWinCount; ++k) {
      const WinDef& d = win_def(Win(k));
      ImGui::MenuItem(d.title, nullptr, &a.open[k], !d.pv_only || a.pv);
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Reset layout")) a.reset_layout = true;
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

void draw(App& a) {
  menu(a);
  shortcuts(a);
  using Draw = void (*)(App&);
  static constexpr Draw kDraw[kWinCount] = {
      draw_controls, draw_registers, draw_disassembly, draw_stack, draw_breakpoints, draw_console, draw_memory,
      draw_page_tables, draw_tlb, draw_descriptors, draw_hypercalls, draw_evtchn, draw_frames,
      draw_timing};
  for (size_t k = 0; k < kWinCount; ++k) {
    if (a.open[k]) kDraw[k](a);
    if (!a.open[k]) a.shown[k] = false;
  }
}

}  // namespace

int debug_main(const DebugOptions& o) {
  std::string err;
  // A recording (known by its magic, whatever its name): its machine, replayed.
  OpenedRecording opened;
  const bool replaying = !o.image.empty() && looks_like_recording(o.image);
  if (!o.replay_image.empty() && !replaying) {
    std::fprintf(stderr, "pvlab: --image names the image of a recording; %s is not one\n",
                 o.image.empty() ? "the demo guest" : o.image.c_str());
    return exit_code::kUsage;
  }
  if (replaying) {
    if (o.timing != "atomic") {
      std::fprintf(stderr, "pvlab: %s: a recording is replayed on the timing model it was made on (no --timing)\n",
                   o.image.c_str());
      return exit_code::kUsage;
    }
    if (!open_recording(o.image, o.replay_image, o.demo, opened, err)) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
  }
  std::optional<ElfImage> img;
  if (replaying) img = opened.elf;
  else img = o.image.empty() ? parse_elf("(built-in demo guest)", o.demo, err) : read_elf(o.image, err);
  if (!img && !replaying) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  TimingOptions topt;
  topt.mode = o.timing;
  topt.config = o.timing_config;
  TimingConfig tcfg;
  if (!prepare_timing(topt, tcfg, err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  LoadOptions lo;
  if (topt.ooo()) {
    lo.mmu.emplace();
    apply_timing_to_mmu(tcfg, *lo.mmu);
  }
  lo.mem_bytes = o.mem_bytes;
  lo.cmdline = o.cmdline;
  lo.machine = o.machine;
  lo.vcpus = o.vcpus;
  ReplayDebugTarget* replay = nullptr;
  std::unique_ptr<Target> target;
  if (replaying) {
    auto t = std::make_unique<ReplayDebugTarget>(*opened.machine, opened.rec);
    replay = t.get();
    target = std::move(t);
  } else {
    target = load_target(*img, lo, err);
  }
  if (!target) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  std::optional<Script> script;
  if (!o.script.empty() && !(script = Script::load(o.script, err))) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  Session session(std::move(target));
  if (replay) session.set_insn_limit(opened.rec.max_insns);   // ends where the recorded run was stopped
  // The out-of-order model on every vcpu (destroyed before the session: it gives the CPUs
  // their retire hooks back).
  TimingModels timing;
  hyper::Hypervisor* hv = session.target().hypervisor();
  if (topt.ooo()) {
    for (unsigned i = 0; i < session.vcpus(); ++i) timing.attach(tcfg, session.target().cpu(i));
    if (hv) hv->set_timing_hook(&timing);
    if (img) timing.set_functions(function_map_of(*img));
  }
  std::string reverse_note;   // why there is no step back
  if (topt.ooo()) session.set_timing(&timing);   // the reverse history keeps the model's state
  if (o.reverse_interval && !session.enable_reverse(o.reverse_interval, reverse_note))
    std::fprintf(stderr, "pvlab: no step back or timeline: %s\n", reverse_note.c_str());
  if (replay && !session.reverse_enabled())
    std::fprintf(stderr, "pvlab: the replay runs forward only (no step back or timeline)\n");
  const std::string file = o.image.empty() ? "demo guest" : std::filesystem::path(o.image).filename().string();
  const std::string name = replay ? "replay of " + file : file;

  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    std::fprintf(stderr, "pvlab: cannot open a window: %s\n", SDL_GetError());
    return exit_code::kUsage;
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  const std::string title = "pvlab debug - " + name;
  SDL_Window* window = SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o.width,
                                        o.height, SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  SDL_GLContext gl = window ? SDL_GL_CreateContext(window) : nullptr;
  if (!gl) {
    std::fprintf(stderr, "pvlab: cannot open an OpenGL 3 window: %s\n", SDL_GetError());
    if (window) SDL_DestroyWindow(window);
    SDL_Quit();
    return exit_code::kUsage;
  }
  SDL_GL_MakeCurrent(window, gl);
  SDL_GL_SetSwapInterval(script ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  const std::string ini = script ? std::string() : layout_path();
  io.IniFilename = ini.empty() ? nullptr : ini.c_str();
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 3.0f;
  ImGui::GetStyle().Colors[ImGuiCol_WindowBg].w = 1.0f;   // windows that overlap hide each other
  ImGui_ImplSDL2_InitForOpenGL(window, gl);
  ImGui_ImplOpenGL3_Init("#version 130");

  int status = 0;
  {
    App app(session, img ? Symbols(img->symbols) : Symbols(), name);
    app.reset_layout = o.reset_layout;
    std::string shown_title = title;
    if (replay) {
      app.replay = replay;
      app.refresh();
      std::fprintf(stderr, "pvlab: %s: %s\n", o.image.c_str(), opened.rec.spec.describe().c_str());
    }
    if (topt.ooo()) app.timing = &timing;
    while (!app.quit) {
      if (!script && !app.busy()) SDL_WaitEventTimeout(nullptr, 100);   // idle: wait for input
      SDL_Event e;
      while (SDL_PollEvent(&e)) {
        ImGui_ImplSDL2_ProcessEvent(&e);
        if (e.type == SDL_QUIT) app.quit = true;
        if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE &&
            e.window.windowID == SDL_GetWindowID(window))
          app.quit = true;
      }
      app.poll();
      if (script) script->tick(app);
      if (replay) {
        // The title says where in the recording the machine is (and whether it still is the
        // recorded run).
        const std::string t = title + " - instruction " + std::to_string(app.rp.insns) + " of " +
                              std::to_string(app.rp.total_insns) + (app.rp.diverged() ? " - DIVERGED" : "");
        if (t != shown_title) SDL_SetWindowTitle(window, (shown_title = t).c_str());
      }

      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplSDL2_NewFrame();
      if (script) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);   // the pointer plays no part in a script
      ImGui::NewFrame();
      draw(app);
      ImGui::Render();
      if (ImGui::GetFrameCount() > 1) app.reset_layout = false;
      int w = 0, h = 0;
      SDL_GL_GetDrawableSize(window, &w, &h);
      glViewport(0, 0, w, h);
      glClearColor(0.10f, 0.11f, 0.13f, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      if (script)
        if (std::optional<Script::Shot> shot = script->take_screenshot_request()) {
          std::string why;
          const bool ok = save_screenshot(shot->path, w, h, why, shot->x, shot->y, shot->w, shot->h);
          script->screenshot_done(ok, why);
        }
      SDL_GL_SwapWindow(window);
      if (app.busy()) SDL_Delay(15);
    }
    if (app.busy()) {
      app.pause();
      while (app.busy() || app.waiting()) {
        SDL_Delay(5);
        app.poll();
      }
    }
    std::printf("pvlab debug: eip=%08x (%s), %llu instructions, %s\n", app.pc(), app.sym(app.pc()).c_str(),
                (unsigned long long)app.counters.insns, app.status.c_str());
    if (replay) {
      app.refresh();
      std::printf("pvlab debug: %s\n", app.rp.line().c_str());
    }
    if (script && script->failed()) status = exit_code::kUsage;
    else if (replay && app.rp.diverged()) status = exit_code::kDiverged;
  }

  if (hv) hv->set_timing_hook(nullptr);
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  SDL_GL_DeleteContext(gl);
  SDL_DestroyWindow(window);
  SDL_Quit();
  return status;
}

}  // namespace pvlab::ui
