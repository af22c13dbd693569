#ifndef MUCKICK_BUILD_INFO_H
#define MUCKICK_BUILD_INFO_H

/// One line for --version saying where this binary's C libraries come from: linked in from static
/// archives, with the Debian packages and versions deploy/build-portable.sh recorded ("linked in:
/// libfcgi-dev 2.4.2-2+deb12u1, ..."), or the system's shared libraries in an ordinary build.
const char *muckick_c_libraries_line(void);

#endif
