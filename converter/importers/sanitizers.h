// Whether this translation unit is built with AddressSanitizer (GCC and Clang spell it apart).
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define STUDIO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STUDIO_ASAN 1
#endif
#endif
#ifndef STUDIO_ASAN
#define STUDIO_ASAN 0
#endif
