#include "cpu/decode/optable.h"

#include "cpu/interp/groups.h"

namespace pvlab {

OpTable::OpTable() = default;

const OpTable& op_table() {
  static const OpTable table = [] {
    OpTable t;
    interp::register_all(t);
    return t;
  }();
  return table;
}

}  // namespace pvlab
