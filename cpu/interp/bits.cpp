#include "cpu/interp/groups.h"

namespace pvlab::interp {

void register_bits(OpTable&) {}

}  // namespace pvlab::interp
