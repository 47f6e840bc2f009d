#include "cpu/interp/groups.h"

namespace pvlab::interp {

void register_bcd(OpTable&) {}

}  // namespace pvlab::interp
