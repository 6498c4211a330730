// .npy reading and writing (the format of numpy.lib.format): a magic string, a version, a
// little-endian header length, a Python dict literal describing the array, then the raw data.
#include "runtime/npy.h"

#include "core/error.h"
#include "core/io/atomic_dir.h"
#include "core/io/memory_budget.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <vector>

namespace studio::rt {

// The data is copied as is: a big-endian host would need byte swaps this code does not make.
static_assert(std::endian::native == std::endian::little, ".npy data is read as little-endian");

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
// numpy itself refuses headers over 10000 bytes unless told otherwise; ours allows more room
// for long shapes but still bounds what a hostile file can make us read.
constexpr std::uint32_t kMaxHeaderBytes = 1u << 20;
// numpy.save leaves room after the dict for the first dimension to grow to this many digits.
constexpr std::size_t kGrowthDigits = 21;

struct Header {
    std::size_t dataOffset = 0; // bytes from the start of the file to the data
    NpyType type = NpyType::Float32;
    std::vector<std::int64_t> shape;
};

std::size_t itemSize(NpyType type)
{
    switch (type) {
    case NpyType::Float32:
    case NpyType::Int32: return 4;
    case NpyType::Float64:
    case NpyType::Int64: return 8;
    case NpyType::Bool:
    case NpyType::UInt8: return 1;
    }
    return 0;
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string s = "(";
    for (std::size_t k = 0; k < shape.size(); ++k)
        s += (k ? ", " : "") + std::to_string(shape[k]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

// The dtype a descr string names, or an error saying why we cannot take it.
NpyType parseDescr(const std::string& descr, const std::string& label)
{
    if (descr.size() < 3)
        fail(label, "unsupported dtype '" + descr + "'");
    const char order = descr[0];
    const std::string kind = descr.substr(1);
    if (order == '>' && kind != "u1" && kind != "b1" && kind != "i1")
        fail(label, "dtype '" + descr + "' is big-endian; save the array little-endian (a.astype(a.dtype.newbyteorder('<')))");
    static const struct {
        const char* code;
        NpyType type;
        bool oneByte;
    } known[] = {{"f4", NpyType::Float32, false}, {"f8", NpyType::Float64, false}, {"i4", NpyType::Int32, false},
        {"i8", NpyType::Int64, false}, {"b1", NpyType::Bool, true}, {"u1", NpyType::UInt8, true}};
    for (const auto& k : known)
        if (kind == k.code && (order == '<' || order == '|' || (k.oneByte && order == '>')))
            return k.type;
    fail(label, "unsupported dtype '" + descr + "'; .npy inputs may be float32, float64, int32, int64, bool or uint8");
}

// A minimal reader of the one Python literal numpy writes:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
public:
    HeaderParser(std::string_view text, std::string label) : m_text(text), m_label(std::move(label)) {}

    Header parse()
    {
        Header h;
        std::optional<std::string> descr;
        std::optional<bool> fortran;
        std::optional<std::vector<std::int64_t>> shape;
        skipSpace();
        expect('{');
        for (;;) {
            skipSpace();
            if (peek() == '}') {
                ++m_pos;
                break;
            }
            const std::string key = quoted("a key");
            skipSpace();
            expect(':');
            skipSpace();
            if (key == "descr") {
                if (peek() == '[')
                    bad("descr is a structured dtype (a list of fields); only plain numeric arrays are supported");
                descr = quoted("the descr string");
            } else if (key == "fortran_order") {
                fortran = boolean();
            } else if (key == "shape") {
                shape = tuple();
            } else {
                bad("unexpected key '" + key + "' (a .npy header has descr, fortran_order and shape)");
            }
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            skipSpace();
            expect('}');
            break;
        }
        skipSpace();
        if (m_pos != m_text.size())
            bad("unexpected text after the header dict");
        if (!descr || !fortran || !shape)
            bad(std::string("the header lacks '") + (!descr ? "descr" : !fortran ? "fortran_order" : "shape") + "'");
        if (*fortran && shape->size() > 1)
            fail(m_label, "the array is in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray)");
        h.type = parseDescr(*descr, m_label);
        h.shape = std::move(*shape);
        return h;
    }

private:
    [[noreturn]] void bad(const std::string& what)
    {
        fail(m_label, "malformed .npy header at byte " + std::to_string(m_pos) + ": " + what);
    }
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    void skipSpace()
    {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r'))
            ++m_pos;
    }
    void expect(char c)
    {
        if (peek() != c)
            bad(std::string("expected '") + c + "'");
        ++m_pos;
    }
    std::string quoted(const char* what)
    {
        const char q = peek();
        if (q != '\'' && q != '"')
            bad(std::string("expected ") + what + " in quotes");
        const auto end = m_text.find(q, m_pos + 1);
        if (end == std::string_view::npos)
            bad(std::string("unterminated ") + what);
        std::string s(m_text.substr(m_pos + 1, end - m_pos - 1));
        m_pos = end + 1;
        return s;
    }
    bool boolean()
    {
        if (m_text.substr(m_pos, 4) == "True") {
            m_pos += 4;
            return true;
        }
        if (m_text.substr(m_pos, 5) == "False") {
            m_pos += 5;
            return false;
        }
        bad("fortran_order is neither True nor False");
    }
    std::vector<std::int64_t> tuple()
    {
        std::vector<std::int64_t> dims;
        expect('(');
        for (;;) {
            skipSpace();
            if (peek() == ')') {
                ++m_pos;
                return dims;
            }
            if (peek() < '0' || peek() > '9')
                bad("a shape dimension is not a non-negative integer");
            std::int64_t d = 0;
            while (peek() >= '0' && peek() <= '9') {
                const int digit = peek() - '0';
                if (d > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
                    bad("a shape dimension does not fit in 64 bits");
                d = d * 10 + digit;
                ++m_pos;
            }
            if (peek() == 'L') // Python 2 longs
                ++m_pos;
            dims.push_back(d);
            if (dims.size() > 64)
                bad("more than 64 dimensions");
            skipSpace();
            if (peek() == ',')
                ++m_pos;
            else if (peek() != ')')
                bad("expected ',' or ')' in the shape");
        }
    }

    std::string_view m_text;
    std::string m_label;
    std::size_t m_pos = 0;
};

// Magic, version and header of a file whose first bytes are `prefix` (as many as there are, up
// to the end of the header); returns nullopt when more bytes are needed: the total needed goes
// to `needed`.
std::optional<Header> parseHeader(std::string_view prefix, const std::string& label, std::size_t& needed)
{
    needed = 10;
    if (prefix.empty()) // only ever asked with the whole file when it is this short
        fail(label, "empty file, not a .npy file");
    if (prefix.size() < 8) {
        if (prefix.substr(0, std::min(prefix.size(), kMagic.size())) != kMagic.substr(0, std::min(prefix.size(), kMagic.size())))
            fail(label, "not a .npy file (no \\x93NUMPY magic at the start)");
        return std::nullopt;
    }
    if (prefix.substr(0, kMagic.size()) != kMagic)
        fail(label, "not a .npy file (no \\x93NUMPY magic at the start)");
    const auto major = static_cast<unsigned char>(prefix[6]);
    const auto minor = static_cast<unsigned char>(prefix[7]);
    if (major < 1 || major > 3 || minor != 0)
        fail(label, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor)
                + " (supported: 1.0, 2.0, 3.0)");
    const std::size_t lengthBytes = major == 1 ? 2 : 4;
    needed = 8 + lengthBytes;
    if (prefix.size() < needed)
        return std::nullopt;
    std::uint32_t headerLength = 0;
    for (std::size_t k = 0; k < lengthBytes; ++k)
        headerLength |= static_cast<std::uint32_t>(static_cast<unsigned char>(prefix[8 + k])) << (8 * k);
    if (headerLength > kMaxHeaderBytes)
        fail(label, "the .npy header claims " + std::to_string(headerLength) + " bytes; at most "
                + std::to_string(kMaxHeaderBytes) + " are accepted");
    needed += headerLength;
    if (prefix.size() < needed)
        return std::nullopt;
    Header h = HeaderParser(prefix.substr(8 + lengthBytes, headerLength), label).parse();
    h.dataOffset = needed;
    return h;
}

// Elements and data bytes of the header's shape, checked against the file and the budget.
std::uint64_t checkedCount(const Header& h, std::uint64_t dataBytesInFile, const std::string& label, std::uint64_t maxBytes)
{
    std::uint64_t count = 1;
    bool overflow = false;
    for (const auto d : h.shape) {
        const auto ud = static_cast<std::uint64_t>(d);
        if (ud != 0 && count > std::numeric_limits<std::uint64_t>::max() / ud)
            overflow = true;
        else
            count *= ud;
    }
    const std::size_t item = itemSize(h.type);
    const std::string what = "shape " + shapeText(h.shape) + " of " + std::string(npyTypeName(h.type));
    if (overflow || count > std::numeric_limits<std::uint64_t>::max() / 8)
        fail(label, what + " has more elements than 64 bits can count");
    const std::uint64_t want = count * item;
    if (want != dataBytesInFile)
        fail(label, what + " needs " + std::to_string(want) + " data bytes, the file has " + std::to_string(dataBytesInFile)
                + (want > dataBytesInFile ? " (truncated)" : " (trailing bytes after the array)"));
    // What the tensor takes in memory: 4 bytes per element whatever the file held.
    const std::uint64_t budget = core::memoryBudgetOr(maxBytes);
    if (count > budget / 4)
        fail(label, what + " takes " + core::byteSizeText(count * 4) + " in memory, over the memory budget of "
                + core::byteSizeText(budget));
    return count;
}

NpyArray decode(const Header& h, std::string_view data, std::uint64_t count, const std::string& label)
{
    NpyArray a;
    a.stored = h.type;
    Tensor& t = a.tensor;
    t.shape = h.shape;
    const auto n = static_cast<std::size_t>(count);
    const char* p = data.data();
    switch (h.type) {
    case NpyType::Float32:
        t.f.resize(n);
        if (n)
            std::memcpy(t.f.data(), p, n * 4);
        break;
    case NpyType::Float64:
        t.f.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            double v = 0;
            std::memcpy(&v, p + 8 * i, 8);
            const auto f = static_cast<float>(v);
            if (static_cast<double>(f) != v && !std::isnan(v))
                fail(label, "float64 value " + std::to_string(v) + " at flat index " + std::to_string(i)
                        + " is not exactly a float32; save the array as float32 (a.astype(numpy.float32))");
            t.f[i] = f;
        }
        break;
    case NpyType::Int32:
        t.dtype = core::DType::Int32;
        t.i.resize(n);
        if (n)
            std::memcpy(t.i.data(), p, n * 4);
        break;
    case NpyType::Int64:
        t.dtype = core::DType::Int32;
        t.i.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::int64_t v = 0;
            std::memcpy(&v, p + 8 * i, 8);
            if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
                fail(label, "int64 value " + std::to_string(v) + " at flat index " + std::to_string(i)
                        + " does not fit in int32 (TensorFlow.js integers are int32)");
            t.i[i] = static_cast<std::int32_t>(v);
        }
        break;
    case NpyType::Bool:
    case NpyType::UInt8:
        t.dtype = core::DType::Int32;
        t.i.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto v = static_cast<unsigned char>(p[i]);
            if (h.type == NpyType::Bool && v > 1)
                fail(label, "bool byte " + std::to_string(v) + " at flat index " + std::to_string(i) + " is neither 0 nor 1");
            t.i[i] = v;
        }
        break;
    }
    return a;
}

} // namespace

std::string_view npyTypeName(NpyType type)
{
    switch (type) {
    case NpyType::Float32: return "float32";
    case NpyType::Float64: return "float64";
    case NpyType::Int32: return "int32";
    case NpyType::Int64: return "int64";
    case NpyType::Bool: return "bool";
    case NpyType::UInt8: return "uint8";
    }
    return "?";
}

NpyArray parseNpy(std::string_view bytes, const std::string& label, std::uint64_t maxBytes)
{
    std::size_t needed = 0;
    const auto header = parseHeader(bytes, label, needed);
    if (!header)
        fail(label, "truncated .npy header: " + std::to_string(bytes.size()) + " bytes, the header needs "
                + std::to_string(needed));
    const auto count = checkedCount(*header, bytes.size() - header->dataOffset, label, maxBytes);
    return decode(*header, bytes.substr(header->dataOffset), count, label);
}

NpyArray readNpy(const std::filesystem::path& path, std::uint64_t maxBytes)
{
    const std::string label = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        fail(label, "is a folder, not a .npy file");
    const auto fileSize = std::filesystem::file_size(path, ec);
    if (ec)
        fail(label, "cannot read: " + ec.message());
    std::ifstream in(path, std::ios::binary);
    if (!in)
        fail(label, "cannot open for reading");
    // The header first, growing the read as it says how long it is; the data only once its size
    // has been checked against the file's.
    std::string bytes;
    std::size_t needed = 10;
    std::optional<Header> header;
    for (;;) {
        const std::size_t want = std::min<std::uint64_t>(needed, fileSize);
        if (want > bytes.size()) {
            const std::size_t have = bytes.size();
            bytes.resize(want);
            if (!in.read(bytes.data() + have, static_cast<std::streamsize>(want - have)))
                fail(label, "read failed");
        }
        header = parseHeader(bytes, label, needed);
        if (header)
            break;
        if (needed > fileSize)
            fail(label, "truncated .npy header: " + std::to_string(fileSize) + " bytes, the header needs " + std::to_string(needed));
    }
    const auto count = checkedCount(*header, fileSize - header->dataOffset, label, maxBytes);
    std::string data(fileSize - header->dataOffset, '\0');
    if (!data.empty() && !in.read(data.data(), static_cast<std::streamsize>(data.size())))
        fail(label, "read failed (the file shrank while being read?)");
    return decode(*header, data, count, label);
}

std::string encodeNpy(const Tensor& t, NpyType type)
{
    const bool fromFloat = type == NpyType::Float32;
    if (type != NpyType::Float32 && type != NpyType::Int32 && type != NpyType::Bool)
        fail("npy", "writing " + std::string(npyTypeName(type)) + " is not supported (float32, int32 and bool are)");
    if (t.isFloat() != fromFloat)
        fail("npy", std::string("a ") + (t.isFloat() ? "float32" : "int32") + " tensor cannot be written as "
                + std::string(npyTypeName(type)));
    const std::size_t n = t.size();
    if ((fromFloat ? t.f.size() : t.i.size()) != n)
        fail("npy", "tensor of shape " + t.shapeText() + " holds " + std::to_string(fromFloat ? t.f.size() : t.i.size())
                + " values");
    const char* descr = type == NpyType::Float32 ? "<f4" : type == NpyType::Int32 ? "<i4" : "|b1";
    std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shapeText(t.shape) + ", }";
    // As numpy.save: room for the first dimension to grow, then spaces and a newline up to a
    // multiple of 64 bytes for the whole preamble.
    if (!t.shape.empty())
        dict.append(kGrowthDigits - std::to_string(t.shape[0]).size(), ' ');
    const std::size_t unpadded = kMagic.size() + 4 + dict.size() + 1;
    dict.append((64 - unpadded % 64) % 64, ' ');
    dict += '\n';
    std::string out(kMagic);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>((dict.size() >> 8) & 0xff);
    out += dict;
    if (type == NpyType::Float32)
        out.append(reinterpret_cast<const char*>(t.f.data()), n * 4);
    else if (type == NpyType::Int32)
        out.append(reinterpret_cast<const char*>(t.i.data()), n * 4);
    else
        for (const auto v : t.i)
            out += static_cast<char>(v != 0 ? 1 : 0);
    return out;
}

void writeNpy(const std::filesystem::path& path, const Tensor& tensor, NpyType type)
{
    std::string bytes;
    try {
        bytes = encodeNpy(tensor, type);
    } catch (const Error& e) {
        fail(path.string(), std::string(e.what()).substr(5)); // "npy: ..." named after the file instead
    }
    core::writeFileSynced(path, bytes);
}

} // namespace studio::rt
