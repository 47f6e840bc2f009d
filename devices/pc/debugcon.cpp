#include "devices/pc/debugcon.h"
