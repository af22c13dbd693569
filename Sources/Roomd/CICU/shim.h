// The link to ICU's common library (pkg-config icu-uc), for CUnicodeData, which alone includes ICU's headers:
// the toolchain's Foundation has its own copy of ICU, whose C types would clash with these in a module that
// sees both.
