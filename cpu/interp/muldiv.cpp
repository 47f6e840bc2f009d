#include "cpu/interp/groups.h"

namespace pvlab::interp {

void register_muldiv(OpTable&) {}

}  // namespace pvlab::interp
