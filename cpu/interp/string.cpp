#include "cpu/interp/groups.h"

namespace pvlab::interp {

void register_string(OpTable&) {}

}  // namespace pvlab::interp
