// A thin RAII layer over the HDF5 C library: files, groups, attributes, datasets, with
// errors that name the file and the object instead of HDF5's own stack dumps.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio::conv::h5 {

// Owns one hid_t and closes it with the right H5*close.
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer) : m_id(id), m_closer(closer) {}
    Handle(Handle&& o) noexcept : m_id(o.m_id), m_closer(o.m_closer) { o.m_id = H5I_INVALID_HID; }
    Handle& operator=(Handle&& o) noexcept
    {
        if (this != &o) {
            reset();
            m_id = o.m_id;
            m_closer = o.m_closer;
            o.m_id = H5I_INVALID_HID;
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }
    hid_t id() const { return m_id; }
    bool valid() const { return m_id >= 0; }

private:
    void reset()
    {
        if (m_id >= 0 && m_closer)
            m_closer(m_id);
        m_id = H5I_INVALID_HID;
    }
    hid_t m_id = H5I_INVALID_HID;
    Closer m_closer = nullptr;
};

struct DatasetInfo {
    H5T_class_t typeClass = H5T_NO_CLASS;
    std::size_t typeSize = 0;
    bool isSigned = true;
    std::vector<std::int64_t> dims;
    std::uint64_t elementCount = 0; // the product of dims, checked for overflow
    std::uint64_t byteSize = 0;     // elementCount * typeSize, checked for overflow
    std::string fullPath;           // "/model_weights/dense/dense/kernel:0", for messages
    // Where the elements lie in the file, byte for byte as a little-endian host holds them:
    // set only for an allocated contiguous dataset without filters, of little-endian IEEE floats,
    // integers or 1-byte enums, whose byteSize bytes fit inside the file. The parent then reads
    // them itself, without passing them through the pipe.
    std::optional<std::uint64_t> fileOffset;
};

class File {
public:
    // Throws studio::Error ("model.h5: not an HDF5 file") for anything that cannot be opened.
    explicit File(const std::string& path);
    const std::string& label() const { return m_label; }
    std::uint64_t fileBytes() const { return m_fileBytes; }
    hid_t id() const { return m_file.id(); }

    Handle openGroup(hid_t parent, const std::string& path) const;
    bool hasGroup(hid_t parent, const std::string& path) const;
    bool hasAttribute(hid_t object, const std::string& name) const;
    // A scalar string attribute (fixed or variable length), or nullopt when absent.
    std::optional<std::string> stringAttribute(hid_t object, const std::string& name) const;
    // A 1-d array of strings (weight_names, layer_names); empty when absent.
    std::vector<std::string> stringListAttribute(hid_t object, const std::string& name) const;
    // Names of the children of a group in name order (what h5py iterates).
    std::vector<std::string> childNames(hid_t group) const;
    bool isGroup(hid_t parent, const std::string& name) const;
    // The object's identity in the file (hard links to one group share it), for cycle detection.
    std::uint64_t objectAddress(hid_t object) const;
    // Whether a link (group, dataset, ...) exists at the path; false when a group on the way is missing.
    bool hasLink(hid_t parent, const std::string& path) const;

    // Shape and type; throws when the size of the declared shape overflows.
    DatasetInfo datasetInfo(hid_t parent, const std::string& path) const;
    // The dataset's raw elements in the file's type, converted to the native byte order. Refuses,
    // before allocating, a dataset over kMaxDecodedTensorBytes (limits.h) or an uncompressed one
    // larger than the whole file (declared but never written: HDF5 would invent fill values).
    std::vector<std::uint8_t> readDataset(hid_t parent, const std::string& path, const DatasetInfo& info) const;

private:
    [[noreturn]] void fail(const std::string& what) const;
    std::optional<std::uint64_t> rawOffset(hid_t dataset, hid_t type, const DatasetInfo& info) const;

    std::string m_label;
    std::uint64_t m_fileBytes = 0;
    Handle m_file;
};

} // namespace studio::conv::h5
