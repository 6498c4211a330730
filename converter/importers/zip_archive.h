// Reading members of a zip archive (a Keras 3 .keras file) with libzip, with limits: a member is
// read by its exact name, never extracted under a name taken from the archive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace studio::conv {

class ZipArchive {
public:
    // Opens `path` read-only; throws studio::Error naming `label` when it is not a readable zip,
    // or has more than `maxMembers` members.
    ZipArchive(const std::filesystem::path& path, std::string label, std::uint64_t maxMembers = 10000);
    ~ZipArchive();
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    const std::vector<std::string>& names() const { return m_names; }
    bool contains(const std::string& name) const;

    // The whole member, checked against its CRC; more than `maxBytes` bytes (as declared or as
    // actually inflated) is an error naming the member.
    std::string read(const std::string& name, std::uint64_t maxBytes) const;
    // The member written to `dest` (created new, mode 0600), with the same checks.
    void extract(const std::string& name, const std::filesystem::path& dest, std::uint64_t maxBytes) const;

private:
    template <typename Sink> void stream(const std::string& name, std::uint64_t maxBytes, Sink&& sink) const;

    struct Handle;
    std::unique_ptr<Handle> m_zip;
    std::string m_label;
    std::vector<std::string> m_names;
};

// A private temporary folder (mode 0700), removed with everything in it when this goes away.
class TempFolder {
public:
    explicit TempFolder(const std::string& prefix);
    ~TempFolder();
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

} // namespace studio::conv
