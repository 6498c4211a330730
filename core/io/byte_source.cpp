// Reading byte ranges from memory and from shard file sequences.
#include "core/io/byte_source.h"

#include "core/error.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

namespace studio::core {

void MemorySource::read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const
{
    if (offset > m_bytes.size() || length > m_bytes.size() - offset)
        fail("", "read past the end of an in-memory buffer");
    if (length)
        std::memcpy(dst, m_bytes.data() + offset, length);
}

FileSequenceSource::FileSequenceSource(std::vector<std::filesystem::path> files)
    : m_files(std::move(files))
{
    for (const auto& f : m_files) {
        std::error_code ec;
        const auto status = std::filesystem::status(f, ec);
        if (ec || !std::filesystem::exists(status))
            fail(f.filename().string(), "no such file (" + f.string() + ")");
        if (!std::filesystem::is_regular_file(status))
            fail(f.filename().string(), "not a regular file (" + f.string() + ")");
        const auto sz = std::filesystem::file_size(f, ec);
        if (ec)
            fail(f.filename().string(), "cannot read size: " + ec.message());
        m_sizes.push_back(sz);
        m_total += sz;
    }
}

void FileSequenceSource::read(std::uint64_t offset, std::size_t length, std::uint8_t* dst) const
{
    std::uint64_t fileStart = 0;
    for (std::size_t i = 0; i < m_files.size() && length > 0; ++i) {
        const std::uint64_t fileEnd = fileStart + m_sizes[i];
        if (offset < fileEnd) {
            const std::uint64_t within = offset - fileStart;
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, m_sizes[i] - within));
            std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(m_files[i].c_str(), "rb"), &std::fclose);
            if (!f)
                fail(m_files[i].filename().string(), std::string("cannot open: ") + std::strerror(errno));
            if (std::fseek(f.get(), static_cast<long>(within), SEEK_SET) != 0
                || std::fread(dst, 1, n, f.get()) != n)
                fail(m_files[i].filename().string(),
                    "short read at byte " + std::to_string(within) + " (file changed or truncated?)");
            dst += n;
            offset += n;
            length -= n;
        }
        fileStart = fileEnd;
    }
    if (length > 0)
        fail(m_files.empty() ? std::string("weights") : m_files.back().filename().string(),
            "read past the end of the shard files");
}

} // namespace studio::core
