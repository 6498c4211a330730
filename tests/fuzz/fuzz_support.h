// Shared by the fuzz targets: a private scratch folder per process, and "an error is fine".
#pragma once

#include "core/error.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace studio::fuzz {

// /tmp/tfjs-studio-fuzz-<pid>/, created once, removed at exit.
inline const std::filesystem::path& scratchDir()
{
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() / ("tfjs-studio-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("tfjs-studio-fuzz-" + std::to_string(::getpid())), ec);
        });
        return d;
    }();
    return dir;
}

inline std::filesystem::path writeInput(const std::string& name, const std::uint8_t* data, std::size_t size)
{
    const auto p = scratchDir() / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return p;
}

// Runs f; a studio::Error is the expected answer to a bad input. Anything else (another
// exception type, a crash, a sanitizer report) is a finding.
template <typename F>
void expectErrorsOnly(F&& f)
{
    try {
        f();
    } catch (const studio::Error&) {
    }
}

} // namespace studio::fuzz
