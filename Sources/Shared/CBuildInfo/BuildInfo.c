#include "BuildInfo.h"

// deploy/build-portable.sh passes -DMUCKICK_STATIC_LIBRARIES="..." to every C compilation. A static
// binary does not get the distribution's security updates: --version must say what it carries.
const char *muckick_c_libraries_line(void) {
#ifdef MUCKICK_STATIC_LIBRARIES
    return "C libraries linked in (rebuild to update them, see docs/deploy.md): " MUCKICK_STATIC_LIBRARIES;
#else
    return "C libraries: the system's shared libraries (updated with the distribution's packages)";
#endif
}
