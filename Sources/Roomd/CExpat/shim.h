#include <expat.h>

// XML_SetReparseDeferralEnabled came with expat 2.6.0 (and with distribution backports of its
// CVE-2023-52425 fix, such as Debian's 2.5.0-1+deb12u2). Declaring it weak lets the same code build
// against a header that lacks it and find it at load time in a library that has it: a library without
// the function has no reparse deferral either, so there is nothing to turn off.
XMLPARSEAPI(XML_Bool)
XML_SetReparseDeferralEnabled(XML_Parser parser, XML_Bool enabled) __attribute__((weak));

/// Whether the loaded libexpat has reparse deferral (and the function that controls it).
static inline int muckick_expat_has_reparse_deferral(void) {
    return XML_SetReparseDeferralEnabled != 0;
}

/// Sets reparse deferral where the loaded libexpat has it; returns -1 where it has not.
static inline int muckick_expat_set_reparse_deferral(XML_Parser parser, XML_Bool enabled) {
    if (XML_SetReparseDeferralEnabled == 0) {
        return -1;
    }
    return XML_SetReparseDeferralEnabled(parser, enabled);
}
