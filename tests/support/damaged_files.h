// Damaged model files that tests need and cannot build from scratch with a library's API.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace studio::test {

// A real file that crashes libhdf5 1.10.8 (Debian 12's) with SIGSEGV while the Keras reader walks
// it: hyper.h5 from ../shared/models with one byte changed, found by mutating it (tests/fuzz).
// Returns the path in `dir` (created), or an empty path when hyper.h5 is missing or different.
inline std::filesystem::path writeHdf5Crasher(const std::filesystem::path& dir, const std::filesystem::path& models)
{
    std::ifstream in(models / "keras-custom-layer-hyperscale-layers/keras/hyper.h5", std::ios::binary);
    std::string bytes(8528, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (in.gcount() != 8528 || in.peek() != std::char_traits<char>::eof() || bytes[2102] != 0)
        return {};
    bytes[2102] = 0x46;
    std::filesystem::create_directories(dir);
    const auto p = dir / "crashes-libhdf5.h5";
    std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
}

} // namespace studio::test
