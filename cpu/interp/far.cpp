#include "cpu/interp/groups.h"

namespace pvlab::interp {

void register_far(OpTable&) {}

}  // namespace pvlab::interp
