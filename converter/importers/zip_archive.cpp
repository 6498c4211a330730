// libzip behind a small class: member lookup by name, size limits, CRC-checked reads.
#include "converter/importers/zip_archive.h"

#include "core/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <zip.h>

namespace studio::conv {

namespace fs = std::filesystem;

struct ZipArchive::Handle {
    zip_t* zip = nullptr;
};

ZipArchive::ZipArchive(const fs::path& path, std::string label, std::uint64_t maxMembers)
    : m_zip(std::make_unique<Handle>()), m_label(std::move(label))
{
    int code = 0;
    m_zip->zip = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!m_zip->zip) {
        zip_error_t error;
        zip_error_init_with_code(&error, code);
        const std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        fail(m_label, "is not a readable zip archive (" + why + "); a .keras file is a zip of config.json, "
                "metadata.json and model.weights.h5");
    }
    const zip_int64_t n = zip_get_num_entries(m_zip->zip, 0);
    if (n < 0 || static_cast<std::uint64_t>(n) > maxMembers)
        fail(m_label, "zip archive has " + std::to_string(n) + " members, more than the " + std::to_string(maxMembers)
                + " accepted (damaged or crafted file?)");
    for (zip_int64_t i = 0; i < n; ++i) {
        const char* name = zip_get_name(m_zip->zip, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
        m_names.emplace_back(name ? name : "");
    }
}

ZipArchive::~ZipArchive()
{
    if (m_zip && m_zip->zip)
        zip_discard(m_zip->zip);
}

bool ZipArchive::contains(const std::string& name) const
{
    return zip_name_locate(m_zip->zip, name.c_str(), ZIP_FL_ENC_RAW) >= 0;
}

template <typename Sink> void ZipArchive::stream(const std::string& name, std::uint64_t maxBytes, Sink&& sink) const
{
    const zip_int64_t index = zip_name_locate(m_zip->zip, name.c_str(), ZIP_FL_ENC_RAW);
    if (index < 0)
        fail(m_label, "zip archive has no member '" + name + "'");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(m_zip->zip, static_cast<zip_uint64_t>(index), 0, &st) != 0)
        fail(m_label, "cannot read the zip entry of '" + name + "' (" + zip_strerror(m_zip->zip) + ")");
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        fail(m_label, "member '" + name + "' is encrypted");
    if ((st.valid & ZIP_STAT_SIZE) && st.size > maxBytes)
        fail(m_label, "member '" + name + "' is " + std::to_string(st.size) + " bytes, more than the limit of "
                + std::to_string(maxBytes) + " (raise --max-memory if the model is that large)");
    zip_file_t* f = zip_fopen_index(m_zip->zip, static_cast<zip_uint64_t>(index), 0);
    if (!f)
        fail(m_label, "cannot open member '" + name + "' (" + zip_strerror(m_zip->zip) + ")");
    std::uint64_t total = 0;
    std::vector<char> buffer(1 << 20);
    try {
        for (;;) {
            const zip_int64_t got = zip_fread(f, buffer.data(), buffer.size());
            if (got < 0)
                fail(m_label, "member '" + name + "' is damaged (" + zip_file_strerror(f) + ")");
            if (got == 0)
                break;
            total += static_cast<std::uint64_t>(got);
            // The declared size is the archive's word; the inflated bytes are what counts.
            if (total > maxBytes || ((st.valid & ZIP_STAT_SIZE) && total > st.size))
                fail(m_label, "member '" + name + "' inflates to more than its declared size or the limit of "
                        + std::to_string(maxBytes) + " bytes (damaged or crafted file?)");
            sink(buffer.data(), static_cast<std::size_t>(got));
        }
    } catch (...) {
        zip_fclose(f);
        throw;
    }
    if (zip_fclose(f) != 0)
        fail(m_label, "member '" + name + "' is damaged (checksum or size mismatch)");
}

std::string ZipArchive::read(const std::string& name, std::uint64_t maxBytes) const
{
    std::string out;
    stream(name, maxBytes, [&](const char* data, std::size_t n) { out.append(data, n); });
    return out;
}

void ZipArchive::extract(const std::string& name, const fs::path& dest, std::uint64_t maxBytes) const
{
    const int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        fail(m_label, "cannot create the temporary file " + dest.string() + " (" + std::strerror(errno) + ")");
    try {
        stream(name, maxBytes, [&](const char* data, std::size_t n) {
            while (n) {
                const ssize_t w = ::write(fd, data, n);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    fail(m_label,
                        "cannot write the temporary file " + dest.string() + " (" + std::strerror(errno) + ")");
                data += w;
                n -= static_cast<std::size_t>(w);
            }
        });
    } catch (...) {
        ::close(fd);
        throw;
    }
    if (::close(fd) != 0)
        fail(m_label, "cannot write the temporary file " + dest.string() + " (" + std::strerror(errno) + ")");
}

TempFolder::TempFolder(const std::string& prefix)
{
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec)
        base = "/tmp";
    std::string pattern = (base / (prefix + "XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        fail(base.string(), std::string("cannot create a temporary folder (") + std::strerror(errno) + ")");
    m_path = pattern;
}

TempFolder::~TempFolder()
{
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

} // namespace studio::conv
