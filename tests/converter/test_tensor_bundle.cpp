// Checkpoint bundles read natively: CRC-32C against its published check value, real TF1 (Snappy
// index blocks) and TF2 checkpoints against the values their sources document, and damaged copies
// (bad block checksum, bad magic, missing or truncated or altered data shard) failing clearly,
// when read and when streamed into shards.
#include "converter/importers/tensor_bundle.h"
#include "core/error.h"
#include "core/tfjs/shard_writer.h"

#include <QtTest>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace studio;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;
const fs::path kHalfPlusTwo = kModels / "savedmodel-tf1-serving-half-plus-two/saved_model_half_plus_two_cpu/00000123";
const fs::path kTimesThree = kModels / "savedmodel-tf2-tfjs-node-test-fixtures/times_three_float";

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-bundle-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

// A copy of a model's variables/ folder, to damage.
fs::path copyVariables(const fs::path& model, const std::string& name)
{
    const fs::path dir = scratch(name) / "variables";
    fs::copy(model / "variables", dir, fs::copy_options::recursive);
    return dir;
}

std::vector<char> readFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const fs::path& p, const std::vector<char>& bytes)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

float floatOf(const core::Weight& w)
{
    const auto bytes = w.storedBytes();
    float f = 0;
    std::memcpy(&f, bytes.data(), 4);
    return f;
}

} // namespace

class TestTensorBundle : public QObject {
    Q_OBJECT
private slots:
    void crc32cMatchesItsCheckValue()
    {
        // The CRC-32C check value of "123456789" (RFC 3720 / FORMATS.md 7.4).
        QCOMPARE(conv::crc32c("123456789", 9), 0xE3069283u);
        // Continuing a CRC over two pieces equals one pass over both.
        QCOMPARE(conv::crc32c("6789", 4, conv::crc32c("12345", 5)), 0xE3069283u);
        for (const std::uint32_t c : {0u, 1u, 0xE3069283u, 0xffffffffu})
            QCOMPARE(conv::unmaskCrc32c(conv::maskCrc32c(c)), c);
        QVERIFY(conv::maskCrc32c(0xE3069283u) != 0xE3069283u);
        QCOMPARE(conv::crc32cPortable("123456789", 9), 0xE3069283u);
        // The CPU's instruction (where used) and the tables agree at every length and alignment,
        // in one pass or continued, against a bit-at-a-time computation written out here.
        auto bitwise = [](const std::uint8_t* p, std::size_t n) {
            std::uint32_t c = 0xffffffffu;
            for (std::size_t i = 0; i < n; ++i) {
                c ^= p[i];
                for (int k = 0; k < 8; ++k)
                    c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            }
            return ~c;
        };
        std::vector<std::uint8_t> data(300);
        std::uint32_t x = 12345;
        for (auto& b : data)
            b = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 16);
        for (std::size_t start = 0; start < 9; ++start)
            for (std::size_t n = 0; start + n <= data.size(); n += 7) {
                const std::uint32_t want = bitwise(data.data() + start, n);
                QCOMPARE(conv::crc32c(data.data() + start, n), want);
                QCOMPARE(conv::crc32cPortable(data.data() + start, n), want);
                QCOMPARE(conv::crc32c(data.data() + start + n / 2, n - n / 2, conv::crc32c(data.data() + start, n / 2)), want);
            }
        // Past 3 x 8 KiB the instruction runs three joined chains: the same values at lengths
        // around one, two and three rounds, continued or not.
        std::vector<std::uint8_t> big(std::size_t{9} * 8192 + 100);
        for (auto& b : big)
            b = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 16);
        for (const std::size_t n : {std::size_t{24575}, std::size_t{24576}, std::size_t{24589}, std::size_t{49160}, std::size_t{73827}}) {
            const std::uint32_t want = bitwise(big.data() + 1, n);
            QCOMPARE(conv::crc32c(big.data() + 1, n), want);
            QCOMPARE(conv::crc32cPortable(big.data() + 1, n), want);
            QCOMPARE(conv::crc32c(big.data() + 1 + 5000, n - 5000, conv::crc32c(big.data() + 1, 5000)), want);
        }
    }

    void tf1CheckpointWithSnappyBlocks()
    {
        // TF 1.14 wrote this index with Snappy-compressed blocks; a and b are 0.5 and 2 (SOURCE.md).
        conv::TensorBundle b(kHalfPlusTwo / "variables/variables");
        QCOMPARE(b.shardCount(), 1);
        const auto* a = b.find("a");
        const auto* bb = b.find("b");
        QVERIFY(a && bb);
        QCOMPARE(a->dtype, 1); // DT_FLOAT
        QCOMPARE(a->shape.size(), std::size_t(0));
        QCOMPARE(floatOf(b.weight(*a, "a")), 0.5f);
        QCOMPARE(floatOf(b.weight(*bb, "b")), 2.0f);
        // Entries come sorted by key, header excluded.
        for (std::size_t k = 1; k < b.entries().size(); ++k)
            QVERIFY(b.entries()[k - 1].key < b.entries()[k].key);
    }

    void tf2CheckpointHasItsObjectGraph()
    {
        conv::TensorBundle b(kTimesThree / "variables/variables");
        const auto* graph = b.find("_CHECKPOINTABLE_OBJECT_GRAPH");
        QVERIFY(graph);
        QCOMPARE(graph->dtype, 7); // DT_STRING; reading it verifies TF's string checksum layout
        const auto strings = b.readStrings(*graph);
        QCOMPARE(strings.size(), std::size_t(1));
        QVERIFY(strings[0].size() > 10);
        // The one variable of times_three_float holds 3 (the model computes 3*x: expected.json).
        int floats = 0;
        for (const auto& e : b.entries())
            if (e.dtype == 1 && e.shape.empty()) {
                QCOMPARE(floatOf(b.weight(e, e.key)), 3.0f);
                ++floats;
            }
        QCOMPARE(floats, 1);
    }

    void badBlockChecksum()
    {
        const auto vars = copyVariables(kTimesThree, "badcrc");
        auto bytes = readFile(vars / "variables.index");
        bytes[3] = static_cast<char>(bytes[3] ^ 0x40); // inside the first data block
        writeFile(vars / "variables.index", bytes);
        const auto e = errorOf([&] { conv::TensorBundle b(vars / "variables"); });
        QVERIFY2(e.starts_with("variables.index: ") && e.find("checksum mismatch") != std::string::npos, e.c_str());
    }

    void badMagic()
    {
        const auto vars = copyVariables(kTimesThree, "badmagic");
        auto bytes = readFile(vars / "variables.index");
        bytes[bytes.size() - 1] = 0;
        writeFile(vars / "variables.index", bytes);
        const auto e = errorOf([&] { conv::TensorBundle b(vars / "variables"); });
        QVERIFY2(e.starts_with("variables.index: ") && e.find("bad magic") != std::string::npos, e.c_str());
        // Too short for a footer at all.
        writeFile(vars / "variables.index", std::vector<char>(bytes.begin(), bytes.begin() + 20));
        const auto e2 = errorOf([&] { conv::TensorBundle b(vars / "variables"); });
        QVERIFY2(e2.find("too short") != std::string::npos, e2.c_str());
    }

    void missingDataShard()
    {
        const auto vars = copyVariables(kHalfPlusTwo, "noshard");
        fs::remove(vars / "variables.data-00000-of-00001");
        conv::TensorBundle b(vars / "variables"); // the index alone is fine
        const auto e = errorOf([&] { (void)b.weight(*b.find("a"), "a"); });
        QVERIFY2(e.starts_with("variables.data-00000-of-00001: tensor 'a': data shard missing"), e.c_str());
    }

    void damagedOrTruncatedData()
    {
        const auto vars = copyVariables(kHalfPlusTwo, "baddata");
        const fs::path data = vars / "variables.data-00000-of-00001";
        auto bytes = readFile(data);
        conv::TensorBundle b(vars / "variables");
        const auto a = *b.find("a");
        bytes[a.offset] = static_cast<char>(bytes[a.offset] ^ 1);
        writeFile(data, bytes);
        // The weight refers to the damaged bytes; reading them is refused, naming the tensor.
        const auto damaged = b.weight(a, "a");
        auto e = errorOf([&] { (void)floatOf(damaged); });
        QVERIFY2(e.starts_with("variables.data-00000-of-00001: tensor 'a': checksum mismatch"), e.c_str());
        // So is streaming them into shards, the converter's one pass over a tensor's bytes: the
        // checksum is taken on the way and the error comes after the last byte.
        {
            const fs::path out = scratch("baddata-shards");
            core::ShardWriter shards(out, {"group1-shard1of1.bin"}, 4096);
            e = errorOf([&] { shards.copy(*damaged.source, damaged.offset, damaged.byteLength); });
            QVERIFY2(e.starts_with("variables.data-00000-of-00001: tensor 'a': checksum mismatch"), e.c_str());
        }
        // The intact tensor streams through, with the bytes the file holds.
        {
            const auto intact = b.weight(*b.find("b"), "b");
            const fs::path out = scratch("gooddata-shards");
            {
                core::ShardWriter shards(out, {"group1-shard1of1.bin"}, 4096);
                shards.copy(*intact.source, intact.offset, intact.byteLength);
                shards.finish();
            }
            const auto written = readFile(out / "group1-shard1of1.bin");
            QCOMPARE(written.size(), std::size_t{4});
            float f = 0;
            std::memcpy(&f, written.data(), 4);
            QCOMPARE(f, 2.0f);
            QCOMPARE(floatOf(intact), 2.0f);
        }
        // A fresh reader on a shard cut short says where the tensor lies.
        writeFile(data, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(a.offset)));
        conv::TensorBundle b2(vars / "variables");
        e = errorOf([&] { (void)b2.weight(*b2.find("a"), "a"); });
        QVERIFY2(e.find("tensor 'a'") != std::string::npos && e.find("beyond the end of the file") != std::string::npos,
            e.c_str());
    }

    // Checking many tensors at once reports the same error one-by-one checking would: the first
    // damaged tensor in the order asked, whichever thread found it.
    void verifyAllReportsTheFirstDamage()
    {
        const auto vars = copyVariables(kHalfPlusTwo, "verifyall");
        const fs::path data = vars / "variables.data-00000-of-00001";
        conv::TensorBundle clean(vars / "variables");
        const auto* a = clean.find("a");
        const auto* b = clean.find("b");
        QVERIFY(a && b);
        clean.verifyAll({a, b});
        QCOMPARE(floatOf(clean.weight(*a, "a")), 0.5f);
        auto bytes = readFile(data);
        bytes[a->offset] = static_cast<char>(bytes[a->offset] ^ 1);
        bytes[b->offset] = static_cast<char>(bytes[b->offset] ^ 1);
        writeFile(data, bytes);
        conv::TensorBundle damaged(vars / "variables");
        auto e = errorOf([&] { damaged.verifyAll({damaged.find("a"), damaged.find("b")}); });
        QVERIFY2(e.starts_with("variables.data-00000-of-00001: tensor 'a': checksum mismatch"), e.c_str());
        e = errorOf([&] { damaged.verifyAll({damaged.find("b"), damaged.find("a")}); });
        QVERIFY2(e.starts_with("variables.data-00000-of-00001: tensor 'b': checksum mismatch"), e.c_str());
        // Nothing was marked checked: reading the weight still refuses.
        e = errorOf([&] { (void)floatOf(damaged.weight(*damaged.find("a"), "a")); });
        QVERIFY2(e.find("checksum mismatch") != std::string::npos, e.c_str());
    }

    void cleanupTestCase() { fs::remove_all(fs::temp_directory_path() / ("tfjs-studio-bundle-test-" + std::to_string(::getpid()))); }
};

QTEST_GUILESS_MAIN(TestTensorBundle)
#include "test_tensor_bundle.moc"
