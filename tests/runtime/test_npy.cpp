// .npy reading and writing against files real numpy wrote (tests/data/npy, made by make_npy.py
// there): every supported dtype and format version read back to the formula's values, numpy's
// exact bytes written, and every damaged or unsupported file refused with a message naming it.
#include "core/error.h"
#include "runtime/npy.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace studio;

namespace {

const fs::path kData = fs::path(STUDIO_SOURCE_DIR) / "tests/data/npy";

std::string slurp(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

fs::path scratch(const std::string& name)
{
    const fs::path dir = fs::temp_directory_path() / ("tfjs-studio-npy-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}

fs::path writeBytes(const std::string& name, const std::string& bytes)
{
    const auto p = scratch(name);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
    return p;
}

// A hand-made header (what numpy would never write) in front of `data`.
std::string handMade(const std::string& dict, const std::string& data = {}, char major = 1)
{
    std::string h = dict + "\n";
    std::string out = "\x93NUMPY";
    out += major;
    out += '\0';
    if (major == 1) {
        out += static_cast<char>(h.size() & 0xff);
        out += static_cast<char>(h.size() >> 8);
    } else {
        for (int k = 0; k < 4; ++k)
            out += static_cast<char>((h.size() >> (8 * k)) & 0xff);
    }
    return out + h + data;
}

// Reading `path` fails, and the message names the file and says each of `mention`.
void expectRefused(const fs::path& path, const QStringList& mention)
{
    try {
        (void)rt::readNpy(path);
    } catch (const Error& e) {
        const QString m = QString::fromUtf8(e.what());
        QVERIFY2(m.contains(QString::fromStdString(path.string())), qPrintable(m));
        for (const auto& s : mention)
            QVERIFY2(m.contains(s), qPrintable("'" + s + "' not in: " + m));
        return;
    }
    QFAIL(qPrintable("read " + QString::fromStdString(path.string()) + " without an error"));
}

} // namespace

class TestNpy : public QObject {
    Q_OBJECT

private slots:
    void cleanupTestCase() { fs::remove_all(scratch("").parent_path()); }

    void readsEveryVersionOfFloat32()
    {
        for (const char* name : {"f4_2x3.npy", "f4_2x3_v2.npy", "f4_2x3_v3.npy"}) {
            const auto a = rt::readNpy(kData / name);
            QCOMPARE(a.stored, rt::NpyType::Float32);
            QVERIFY(a.tensor.isFloat());
            QCOMPARE(a.tensor.shape, (std::vector<std::int64_t>{2, 3}));
            QCOMPARE(a.tensor.f.size(), std::size_t(6));
            for (std::size_t i = 0; i < 6; ++i)
                QCOMPARE(a.tensor.f[i], static_cast<float>(i) / 4 - 1);
        }
        const auto four = rt::readNpy(kData / "f4_1x2x1x3.npy");
        QCOMPARE(four.tensor.shape, (std::vector<std::int64_t>{1, 2, 1, 3}));
        QCOMPARE(four.tensor.f[5], 0.25f);
    }

    void readsScalarsAndEmptyArrays()
    {
        const auto s = rt::readNpy(kData / "f4_scalar.npy");
        QVERIFY(s.tensor.shape.empty());
        QCOMPARE(s.tensor.f, std::vector<float>{3.5f});
        const auto e = rt::readNpy(kData / "f4_0x3.npy");
        QCOMPARE(e.tensor.shape, (std::vector<std::int64_t>{0, 3}));
        QVERIFY(e.tensor.f.empty());
    }

    void readsIntegersAndBools()
    {
        const auto i4 = rt::readNpy(kData / "i4_3.npy");
        QCOMPARE(i4.stored, rt::NpyType::Int32);
        QCOMPARE(i4.tensor.dtype, core::DType::Int32);
        QCOMPARE(i4.tensor.i, (std::vector<std::int32_t>{-2147483647 - 1, 0, 2147483647}));
        const auto i8 = rt::readNpy(kData / "i8_fits.npy");
        QCOMPARE(i8.stored, rt::NpyType::Int64);
        QCOMPARE(i8.tensor.i, (std::vector<std::int32_t>{-5, 0, 7, 2147483647}));
        const auto b = rt::readNpy(kData / "b1_2x2.npy");
        QCOMPARE(b.stored, rt::NpyType::Bool);
        QCOMPARE(b.tensor.shape, (std::vector<std::int64_t>{2, 2}));
        QCOMPARE(b.tensor.i, (std::vector<std::int32_t>{1, 0, 0, 1}));
        const auto u = rt::readNpy(kData / "u1_4.npy");
        QCOMPARE(u.stored, rt::NpyType::UInt8);
        QCOMPARE(u.tensor.i, (std::vector<std::int32_t>{0, 1, 128, 255}));
    }

    void float64OnlyWhenExact()
    {
        const auto ok = rt::readNpy(kData / "f8_exact.npy");
        QCOMPARE(ok.stored, rt::NpyType::Float64);
        QCOMPARE(ok.tensor.f, (std::vector<float>{0.0f, 0.5f, 1.0f, 1.5f}));
        expectRefused(kData / "f8_inexact.npy", {"float64", "flat index 1", "not exactly a float32", "astype(numpy.float32)"});
        expectRefused(kData / "i8_overflow.npy", {"int64 value 2147483648", "flat index 1", "does not fit in int32"});
    }

    void writesNumpysBytes()
    {
        // The writer's file is byte for byte what numpy.save wrote for the same values.
        std::vector<float> f;
        for (int i = 0; i < 6; ++i)
            f.push_back(static_cast<float>(i) / 4 - 1);
        QCOMPARE(rt::encodeNpy(rt::Tensor::floats({2, 3}, f), rt::NpyType::Float32), slurp(kData / "f4_2x3.npy"));
        QCOMPARE(rt::encodeNpy(rt::Tensor::floats({1, 2, 1, 3}, f), rt::NpyType::Float32), slurp(kData / "f4_1x2x1x3.npy"));
        QCOMPARE(rt::encodeNpy(rt::Tensor::floats({}, {3.5f}), rt::NpyType::Float32), slurp(kData / "f4_scalar.npy"));
        QCOMPARE(rt::encodeNpy(rt::Tensor::floats({0, 3}, {}), rt::NpyType::Float32), slurp(kData / "f4_0x3.npy"));
        QCOMPARE(rt::encodeNpy(rt::Tensor::ints({3}, {-2147483647 - 1, 0, 2147483647}), rt::NpyType::Int32),
            slurp(kData / "i4_3.npy"));
        QCOMPARE(rt::encodeNpy(rt::Tensor::ints({2, 2}, {1, 0, 0, 1}), rt::NpyType::Bool), slurp(kData / "b1_2x2.npy"));
        // And it reads back.
        const auto p = scratch("roundtrip.npy");
        rt::writeNpy(p, rt::Tensor::ints({2, 2}, {1, 0, 0, 1}), rt::NpyType::Bool);
        QCOMPARE(rt::readNpy(p).tensor.i, (std::vector<std::int32_t>{1, 0, 0, 1}));
        // A tensor that cannot be what it is written as.
        QVERIFY_THROWS_EXCEPTION(Error, rt::encodeNpy(rt::Tensor::floats({2}, {1, 2}), rt::NpyType::Int32));
        QVERIFY_THROWS_EXCEPTION(Error, rt::encodeNpy(rt::Tensor::floats({3}, {1, 2}), rt::NpyType::Float32));
        QVERIFY_THROWS_EXCEPTION(Error, rt::writeNpy(scratch("no-such-dir") / "x.npy", rt::Tensor::floats({1}), rt::NpyType::Float32));
    }

    void refusesWhatItCannotRead()
    {
        expectRefused(kData / "fortran_2x3.npy", {"Fortran", "C order"});
        expectRefused(kData / "big_endian_f4.npy", {"'>f4'", "big-endian"});
        expectRefused(kData / "f2_2.npy", {"unsupported dtype '<f2'"});
        expectRefused(kData / "c8_2.npy", {"unsupported dtype '<c8'"});
        expectRefused(kData / "u3_2.npy", {"unsupported dtype '<U3'"});
        expectRefused(kData / "structured_2.npy", {"structured dtype"});
    }

    void refusesDamagedFiles()
    {
        const std::string good = slurp(kData / "f4_2x3.npy");
        expectRefused(writeBytes("empty.npy", ""), {"not a .npy file"});
        expectRefused(writeBytes("magic.npy", "PK\x03\x04" + good.substr(4)), {"not a .npy file"});
        expectRefused(writeBytes("short-magic.npy", good.substr(0, 4)), {"truncated .npy header"});
        expectRefused(writeBytes("header-cut.npy", good.substr(0, 60)), {"truncated .npy header", "60 bytes"});
        expectRefused(writeBytes("data-cut.npy", good.substr(0, good.size() - 3)), {"needs 24 data bytes, the file has 21", "truncated"});
        expectRefused(writeBytes("data-long.npy", good + "xyz"), {"trailing bytes"});
        std::string version = good;
        version[6] = 4;
        expectRefused(writeBytes("version.npy", version), {"unsupported .npy format version 4.0"});
        expectRefused(writeBytes("no-shape.npy", handMade("{'descr': '<f4', 'fortran_order': False, }")), {"lacks 'shape'"});
        expectRefused(writeBytes("bad-key.npy", handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "abcd")),
            {"unexpected key 'x'"});
        expectRefused(writeBytes("negative.npy", handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")),
            {"not a non-negative integer"});
        expectRefused(writeBytes("unterminated.npy", handMade("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)")),
            {"malformed .npy header"});
        // A shape whose bytes the file cannot back is refused before anything is allocated...
        expectRefused(writeBytes("huge.npy", handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", "abcd")),
            {"(100000, 100000, 100000)", "needs 4000000000000000 data bytes, the file has 4"});
        // ... and one whose element count overflows 64 bits is named as such.
        expectRefused(writeBytes("overflow.npy", handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }")),
            {"more elements than 64 bits"});
        expectRefused(writeBytes("digits.npy", handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }")),
            {"does not fit in 64 bits"});
        // A header length beyond any sane header, in a version 2.0 file.
        std::string longHeader = "\x93NUMPY\x02";
        longHeader += std::string("\0\xff\xff\xff\x7f", 5);
        expectRefused(writeBytes("long-header.npy", longHeader), {"header claims"});
        // The memory budget applies to the tensor, whatever the file holds.
        const auto p = scratch("budget.npy");
        rt::writeNpy(p, rt::Tensor::floats({1000}), rt::NpyType::Float32);
        try {
            (void)rt::readNpy(p, 1000);
            QFAIL("read past the memory budget");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("memory budget"), e.what());
        }
        expectRefused(scratch("missing.npy"), {"cannot read"});
        expectRefused(scratch(""), {"is a folder"});
        // The in-memory parser says the same as the file reader.
        QVERIFY_THROWS_EXCEPTION(Error, rt::parseNpy(good.substr(0, 20), "x.npy"));
        QCOMPARE(rt::parseNpy(good, "x.npy").tensor.f.size(), std::size_t(6));
    }
};

QTEST_GUILESS_MAIN(TestNpy)
#include "test_npy.moc"
