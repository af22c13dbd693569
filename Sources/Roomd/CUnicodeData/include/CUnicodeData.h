// The character data of ICU that roomd's nickname profile reads (RFC 8264, RFC 8266, RFC 5892), with plain
// C integers only: see CUnicodeData.c.
#pragma once
#include <stdint.h>

/// The Unicode version of ICU's data, as major * 100 + minor.
int32_t cicu_unicode_version(void);

/// General_Category, in the groups RFC 8264 §9 reads.
enum {
    /// Cn.
    CICU_UNASSIGNED = 0,
    /// Cc (§9.12 Controls).
    CICU_CONTROL = 1,
    /// Zs (§9.14 Spaces; RFC 8266's additional mapping rule).
    CICU_SPACE = 2,
    /// LetterDigits, OtherLetterDigits, Symbols, Punctuation (§9.1, §9.18, §9.15, §9.16).
    CICU_LETTER_DIGIT_SYMBOL_PUNCTUATION = 3,
    /// Anything else: Cf, Co, Cs, Zl, Zp.
    CICU_OTHER = 4,
};
int32_t cicu_category(int32_t c);

int cicu_is_default_ignorable(int32_t c);

int cicu_is_noncharacter(int32_t c);

int cicu_is_join_control(int32_t c);

/// Hangul_Syllable_Type L, V or T: RFC 5892's OldHangulJamo.
int cicu_is_conjoining_jamo(int32_t c);

int32_t cicu_combining_class(int32_t c);

/// Joining_Type, reduced to what RFC 5892 A.1 asks: 'L', 'R', 'D', 'T', or 0 for any other.
int32_t cicu_joining_type(int32_t c);

/// Script, reduced to what RFC 5892 A.4-A.7 ask: 'G'reek, 'H'ebrew, 'J' (Hiragana, Katakana or Han), or 0.
int32_t cicu_script(int32_t c);

/// NFKC of `source` into `destination`: the output's length, or -1 on an error (one that is not a too small
/// `capacity`: then the length needed is returned, and nothing is written past `capacity`).
int32_t cicu_nfkc(const uint16_t *source, int32_t length, uint16_t *destination, int32_t capacity);

/// Unicode's toLowercase (full case mapping with its contexts, as Final_Sigma; the root locale), as
/// `cicu_nfkc` reports lengths.
int32_t cicu_to_lower(const uint16_t *source, int32_t length, uint16_t *destination, int32_t capacity);
