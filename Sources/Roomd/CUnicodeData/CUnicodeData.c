// ICU's C API as RFC 8264 (PRECIS) needs it, for roomd's nickname profile. ICU renames every function with
// its major version (u_charType -> u_charType_72) through macros Swift cannot import, and the toolchain's
// Foundation carries its own copy of ICU whose C types (UErrorCode, UScriptCode...) clash with these in a
// process or test that imports both: so ICU's headers are included here only, and the header Swift sees
// declares plain C integers.
#include "CUnicodeData.h"
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

// The Unicode version of ICU's data, as major * 100 + minor.
int32_t cicu_unicode_version(void) {
    UVersionInfo version;
    u_getUnicodeVersion(version);
    return version[0] * 100 + version[1];
}

int32_t cicu_category(int32_t c) {
    switch (u_charType(c)) {
    case U_UNASSIGNED: return CICU_UNASSIGNED;
    case U_CONTROL_CHAR: return CICU_CONTROL;
    case U_SPACE_SEPARATOR: return CICU_SPACE;
    // LetterDigits: Ll, Lu, Lo, Nd, Lm, Mn, Mc.
    case U_LOWERCASE_LETTER: case U_UPPERCASE_LETTER: case U_OTHER_LETTER: case U_DECIMAL_DIGIT_NUMBER:
    case U_MODIFIER_LETTER: case U_NON_SPACING_MARK: case U_COMBINING_SPACING_MARK:
    // OtherLetterDigits: Lt, Nl, No, Me.
    case U_TITLECASE_LETTER: case U_LETTER_NUMBER: case U_OTHER_NUMBER: case U_ENCLOSING_MARK:
    // Symbols: Sm, Sc, Sk, So.
    case U_MATH_SYMBOL: case U_CURRENCY_SYMBOL: case U_MODIFIER_SYMBOL: case U_OTHER_SYMBOL:
    // Punctuation: Pc, Pd, Ps, Pe, Pi, Pf, Po.
    case U_CONNECTOR_PUNCTUATION: case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION: case U_FINAL_PUNCTUATION: case U_OTHER_PUNCTUATION:
        return CICU_LETTER_DIGIT_SYMBOL_PUNCTUATION;
    default: return CICU_OTHER;
    }
}

int cicu_is_default_ignorable(int32_t c) {
    return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}
int cicu_is_noncharacter(int32_t c) { return u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT); }
int cicu_is_join_control(int32_t c) { return u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL); }

// Hangul_Syllable_Type L, V or T: RFC 5892's OldHangulJamo.
int cicu_is_conjoining_jamo(int32_t c) {
    int32_t type = u_getIntPropertyValue(c, UCHAR_HANGUL_SYLLABLE_TYPE);
    return type == U_HST_LEADING_JAMO || type == U_HST_VOWEL_JAMO || type == U_HST_TRAILING_JAMO;
}

int32_t cicu_combining_class(int32_t c) { return u_getCombiningClass(c); }

// Joining_Type, reduced to what RFC 5892 A.1 asks: 'L', 'R', 'D', 'T', or 0 for any other.
int32_t cicu_joining_type(int32_t c) {
    switch (u_getIntPropertyValue(c, UCHAR_JOINING_TYPE)) {
    case U_JT_LEFT_JOINING: return 'L';
    case U_JT_RIGHT_JOINING: return 'R';
    case U_JT_DUAL_JOINING: return 'D';
    case U_JT_TRANSPARENT: return 'T';
    default: return 0;
    }
}

// Script, reduced to what RFC 5892 A.4-A.7 ask: 'G'reek, 'H'ebrew, 'J' (Hiragana, Katakana or Han), or 0.
int32_t cicu_script(int32_t c) {
    UErrorCode error = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &error);
    if (U_FAILURE(error)) return 0;
    switch (script) {
    case USCRIPT_GREEK: return 'G';
    case USCRIPT_HEBREW: return 'H';
    case USCRIPT_HIRAGANA: case USCRIPT_KATAKANA: case USCRIPT_HAN: return 'J';
    default: return 0;
    }
}

// NFKC of `source` into `destination`: the output's length, or -1 on an error (one that is not a too small
// `capacity`: then the length needed is returned, and nothing is written past `capacity`).
int32_t cicu_nfkc(const uint16_t *source, int32_t length, uint16_t *destination, int32_t capacity) {
    UErrorCode error = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&error);
    if (U_FAILURE(error)) return -1;
    int32_t written = unorm2_normalize(nfkc, source, length, destination, capacity, &error);
    if (error == U_BUFFER_OVERFLOW_ERROR) return written;
    return U_FAILURE(error) ? -1 : written;
}

// Unicode's toLowercase (full case mapping with its contexts, as Final_Sigma; the root locale), as
// `cicu_nfkc` reports lengths.
int32_t cicu_to_lower(const uint16_t *source, int32_t length, uint16_t *destination, int32_t capacity) {
    UErrorCode error = U_ZERO_ERROR;
    int32_t written = u_strToLower(destination, capacity, source, length, "", &error);
    if (error == U_BUFFER_OVERFLOW_ERROR) return written;
    return U_FAILURE(error) ? -1 : written;
}
