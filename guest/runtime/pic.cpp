#include "runtime/pic.hpp"

#include "runtime/arch.hpp"

namespace guest {

void pic_mask_all() {
  outb(0x21, 0xFF);
  outb(0xA1, 0xFF);
}

}  // namespace guest
