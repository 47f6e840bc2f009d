// The debugger's colours, one meaning each.
#pragma once
#include <imgui.h>

namespace pvlab::ui {

inline const ImVec4 kColorChanged(1.00f, 0.42f, 0.35f, 1.0f);     // a value the last run changed
inline const ImVec4 kColorPc(1.00f, 0.85f, 0.30f, 1.0f);          // the instruction at EIP
inline const ImVec4 kColorLabel(0.45f, 0.80f, 1.00f, 1.0f);       // a symbol
inline const ImVec4 kColorBreakpoint(0.90f, 0.20f, 0.20f, 1.0f);  // a breakpoint
inline const ImVec4 kColorError(1.00f, 0.35f, 0.35f, 1.0f);       // a refusal, an error
inline const ImVec4 kColorStatus(0.60f, 0.90f, 0.60f, 1.0f);      // the last stop
inline const ImVec4 kColorRunning(0.95f, 0.75f, 0.30f, 1.0f);     // a run under way
inline const ImVec4 kColorHypervisor(0.80f, 0.55f, 1.00f, 1.0f);  // the hypervisor's area and frames
inline const ImVec4 kColorDim(0.55f, 0.55f, 0.55f, 1.0f);         // absent, not present

}  // namespace pvlab::ui
