#include "cpu/interp/groups.h"

namespace pvlab::interp {

void register_shift(OpTable&) {}

}  // namespace pvlab::interp
