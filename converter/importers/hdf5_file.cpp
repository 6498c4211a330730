// HDF5 access with clear errors: attributes as strings, groups in name order, datasets.
#include "converter/importers/hdf5_file.h"

#include "converter/importers/limits.h"
#include "core/error.h"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <limits>
#include <mutex>

namespace studio::conv::h5 {

namespace {

// HDF5 prints its error stack to stderr by default; we report errors ourselves.
void silenceHdf5()
{
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

std::string readStrings(hid_t attr, hid_t type, hid_t space, std::vector<std::string>& out)
{
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n < 0)
        return "cannot size the attribute";
    const auto count = static_cast<std::size_t>(n);
    const std::size_t size = H5Tget_size(type);
    // The dataspace is only a declaration; refuse sizes no real attribute has before allocating.
    const auto bytes = checkedMul(count, std::max(size, sizeof(char*)));
    if (!bytes || *bytes > kMaxDecodedTensorBytes)
        return "declares " + std::to_string(count) + " strings of " + std::to_string(size)
            + " bytes, more than any real attribute (damaged file?)";
    if (H5Tis_variable_str(type) > 0) {
        Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.id(), H5T_VARIABLE);
        H5Tset_cset(mem.id(), H5Tget_cset(type));
        std::vector<char*> ptrs(count, nullptr);
        if (H5Aread(attr, mem.id(), ptrs.data()) < 0)
            return "cannot read the variable-length strings";
        for (char* p : ptrs)
            out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.id(), space, H5P_DEFAULT, ptrs.data());
        return {};
    }
    std::vector<char> buf(count * size + 1, '\0');
    Handle mem(H5Tcopy(type), H5Tclose);
    if (H5Aread(attr, mem.id(), buf.data()) < 0)
        return "cannot read the fixed-length strings";
    for (std::size_t i = 0; i < count; ++i) {
        std::string s(buf.data() + i * size, size);
        const auto end = s.find('\0'); // numpy's "S" strings are NUL-padded
        out.push_back(end == std::string::npos ? s : s.substr(0, end));
    }
    return {};
}

herr_t collectName(hid_t, const char* name, const H5L_info_t*, void* data)
{
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
}

} // namespace

File::File(const std::string& path)
{
    silenceHdf5();
    m_label = std::filesystem::path(path).filename().string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        studio::fail(m_label, "no such file (" + path + ")");
    if (std::filesystem::is_directory(path, ec))
        studio::fail(m_label, "is a folder, expected an HDF5 file");
    if (H5Fis_hdf5(path.c_str()) <= 0)
        studio::fail(m_label, "not an HDF5 file (no HDF5 signature; truncated or another format?)");
    m_file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!m_file.valid())
        studio::fail(m_label, "cannot open the HDF5 file (damaged or truncated?)");
    m_fileBytes = std::filesystem::file_size(path, ec);
    if (ec)
        m_fileBytes = 0;
}

void File::fail(const std::string& what) const { studio::fail(m_label, what); }

Handle File::openGroup(hid_t parent, const std::string& path) const
{
    Handle g(H5Gopen2(parent, path.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.valid())
        fail("cannot open group '" + path + "'");
    return g;
}

bool File::hasGroup(hid_t parent, const std::string& path) const
{
    if (H5Lexists(parent, path.c_str(), H5P_DEFAULT) <= 0)
        return false;
    return isGroup(parent, path);
}

bool File::hasLink(hid_t parent, const std::string& path) const
{
    return H5Lexists(parent, path.c_str(), H5P_DEFAULT) > 0;
}

bool File::isGroup(hid_t parent, const std::string& name) const
{
    H5O_info_t info;
    if (H5Oget_info_by_name(parent, name.c_str(), &info, H5P_DEFAULT) < 0)
        return false;
    return info.type == H5O_TYPE_GROUP;
}

std::uint64_t File::objectAddress(hid_t object) const
{
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0)
        fail("cannot identify an object of the file (damaged file?)");
    return static_cast<std::uint64_t>(info.addr);
}

bool File::hasAttribute(hid_t object, const std::string& name) const
{
    return H5Aexists(object, name.c_str()) > 0;
}

std::optional<std::string> File::stringAttribute(hid_t object, const std::string& name) const
{
    if (!hasAttribute(object, name))
        return std::nullopt;
    Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    Handle type(H5Aget_type(attr.id()), H5Tclose);
    Handle space(H5Aget_space(attr.id()), H5Sclose);
    if (!attr.valid() || !type.valid() || !space.valid())
        fail("cannot read attribute '" + name + "'");
    if (H5Tget_class(type.id()) != H5T_STRING)
        fail("attribute '" + name + "' is not a string");
    std::vector<std::string> values;
    if (auto err = readStrings(attr.id(), type.id(), space.id(), values); !err.empty())
        fail("attribute '" + name + "': " + err);
    if (values.size() != 1)
        fail("attribute '" + name + "' holds " + std::to_string(values.size()) + " strings, expected one");
    return values[0];
}

std::vector<std::string> File::stringListAttribute(hid_t object, const std::string& name) const
{
    std::vector<std::string> values;
    if (!hasAttribute(object, name))
        return values;
    Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    Handle type(H5Aget_type(attr.id()), H5Tclose);
    Handle space(H5Aget_space(attr.id()), H5Sclose);
    if (!attr.valid() || !type.valid() || !space.valid())
        fail("cannot read attribute '" + name + "'");
    // h5py writes an empty list as an empty float64 array (numpy's default dtype).
    if (H5Tget_class(type.id()) != H5T_STRING) {
        if (H5Sget_simple_extent_npoints(space.id()) == 0)
            return values;
        fail("attribute '" + name + "' is not a list of strings");
    }
    if (auto err = readStrings(attr.id(), type.id(), space.id(), values); !err.empty())
        fail("attribute '" + name + "': " + err);
    return values;
}

std::vector<std::string> File::childNames(hid_t group) const
{
    std::vector<std::string> names;
    hsize_t index = 0;
    if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collectName, &names) < 0)
        fail("cannot list a group's members");
    return names;
}

DatasetInfo File::datasetInfo(hid_t parent, const std::string& path) const
{
    if (H5Lexists(parent, path.c_str(), H5P_DEFAULT) <= 0)
        fail("dataset '" + path + "' is missing");
    Handle ds(H5Dopen2(parent, path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.valid())
        fail("'" + path + "' is not a dataset");
    Handle type(H5Dget_type(ds.id()), H5Tclose);
    Handle space(H5Dget_space(ds.id()), H5Sclose);
    DatasetInfo info;
    info.typeClass = H5Tget_class(type.id());
    info.typeSize = H5Tget_size(type.id());
    info.isSigned = info.typeClass != H5T_INTEGER || H5Tget_sign(type.id()) != H5T_SGN_NONE;
    const int rank = H5Sget_simple_extent_ndims(space.id());
    if (rank < 0)
        fail("dataset '" + path + "' has an unreadable shape");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
    for (auto d : dims) {
        if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max()))
            fail("dataset '" + path + "' has a dimension of " + std::to_string(d) + " (damaged file?)");
        info.dims.push_back(static_cast<std::int64_t>(d));
    }
    char name[1024] = {};
    info.fullPath = H5Iget_name(ds.id(), name, sizeof name) > 0 ? std::string(name) : path;
    const auto count = checkedElementCount(info.dims);
    const auto bytes = count ? checkedMul(*count, info.typeSize) : std::nullopt;
    if (!bytes)
        fail("dataset '" + info.fullPath + "': shape " + shapeText(info.dims) + " of " + std::to_string(info.typeSize)
            + "-byte elements has more bytes than 64 bits can count (damaged file?)");
    info.elementCount = *count;
    info.byteSize = *bytes;
    info.fileOffset = rawOffset(ds.id(), type.id(), info);
    return info;
}

std::optional<std::uint64_t> File::rawOffset(hid_t dataset, hid_t type, const DatasetInfo& info) const
{
    if constexpr (std::endian::native != std::endian::little)
        return std::nullopt;
    if (info.byteSize == 0 || m_fileBytes == 0)
        return std::nullopt;
    Handle plist(H5Dget_create_plist(dataset), H5Pclose);
    if (!plist.valid() || H5Pget_layout(plist.id()) != H5D_CONTIGUOUS || H5Pget_nfilters(plist.id()) != 0)
        return std::nullopt;
    bool plain = false;
    switch (info.typeClass) {
    case H5T_FLOAT:
        // Exactly IEEE little-endian (not merely "a float of 4 bytes"); half floats are raw bits.
        plain = (info.typeSize == 4 && H5Tequal(type, H5T_IEEE_F32LE) > 0) || (info.typeSize == 8 && H5Tequal(type, H5T_IEEE_F64LE) > 0)
            || (info.typeSize == 2 && H5Tget_order(type) == H5T_ORDER_LE);
        break;
    case H5T_INTEGER:
        plain = (info.typeSize == 1 || H5Tget_order(type) == H5T_ORDER_LE) && info.typeSize <= 8 && H5Tget_precision(type) == 8 * info.typeSize
            && H5Tget_offset(type) == 0;
        break;
    case H5T_ENUM:
        plain = info.typeSize == 1;
        break;
    default: break;
    }
    if (!plain)
        return std::nullopt;
    const haddr_t offset = H5Dget_offset(dataset);
    if (offset == HADDR_UNDEF || H5Dget_storage_size(dataset) != info.byteSize)
        return std::nullopt;
    if (offset > m_fileBytes || info.byteSize > m_fileBytes - offset)
        return std::nullopt; // readDataset reports it
    return static_cast<std::uint64_t>(offset);
}

std::vector<std::uint8_t> File::readDataset(hid_t parent, const std::string& path, const DatasetInfo& info) const
{
    Handle ds(H5Dopen2(parent, path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.valid())
        fail("'" + path + "' is not a dataset");
    const std::string declared = "dataset '" + info.fullPath + "' " + shapeText(info.dims) + " of "
        + std::to_string(info.typeSize) + "-byte elements";
    // Uncompressed data larger than the whole file cannot be in it: the dataset was declared and
    // never written (HDF5 would hand back fill values). Compressed data may legitimately be.
    Handle plist(H5Dget_create_plist(ds.id()), H5Pclose);
    const bool filtered = plist.valid() && H5Pget_nfilters(plist.id()) > 0;
    if (!filtered && m_fileBytes > 0 && info.byteSize > m_fileBytes)
        fail(declared + " needs " + std::to_string(info.byteSize) + " bytes but the whole file has "
            + std::to_string(m_fileBytes) + ": its data was never written (damaged or truncated file?)");
    if (info.byteSize > kMaxDecodedTensorBytes)
        fail(declared + " needs " + std::to_string(info.byteSize) + " bytes, over the limit of "
            + std::to_string(kMaxDecodedTensorBytes) + " bytes for one tensor (damaged file?)");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(info.byteSize));
    if (info.elementCount == 0)
        return bytes;
    // The memory type: the file's type in native byte order (HDF5 converts endianness).
    Handle fileType(H5Dget_type(ds.id()), H5Tclose);
    Handle memType(H5Tget_native_type(fileType.id(), H5T_DIR_ASCEND), H5Tclose);
    hid_t mem = memType.valid() ? memType.id() : fileType.id();
    if (info.typeClass == H5T_FLOAT && info.typeSize == 2)
        mem = fileType.id(); // half floats have no native type in HDF5 1.10; read the raw bits
    if (H5Tget_size(mem) != info.typeSize)
        fail("dataset '" + path + "' has an element type we cannot read");
    if (H5Dread(ds.id(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
        fail("cannot read dataset '" + path + "' (damaged or truncated file?)");
    return bytes;
}

} // namespace studio::conv::h5
