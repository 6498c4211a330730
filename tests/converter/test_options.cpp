// convert's flag parsing: tensorflowjs_converter names, defaults and error wording.
#include "converter/options.h"
#include "core/error.h"

#include <QtTest>

using namespace studio;

namespace {
QString errorOf(const std::vector<std::string>& args)
{
    try {
        conv::parseConvertArgs(args);
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}
} // namespace

class TestOptions : public QObject {
    Q_OBJECT
private slots:
    void defaults()
    {
        const auto o = conv::parseConvertArgs({"in/model.json", "out"});
        QCOMPARE(o.shardSize, std::uint64_t(4194304));
        QVERIFY(o.quantization.empty());
        QVERIFY(o.stripDebugOps);
        QCOMPARE(QString::fromStdString(o.inputPath), QString("in/model.json"));
    }
    void bothValueStyles()
    {
        const auto a = conv::parseConvertArgs({"--weight_shard_size_bytes=1000", "--input_format", "tfjs_graph_model", "i", "o"});
        QCOMPARE(a.shardSize, std::uint64_t(1000));
        QCOMPARE(QString::fromStdString(a.inputFormat), QString("tfjs_graph_model"));
    }
    void quantizationFlags()
    {
        const auto o = conv::parseConvertArgs({"--quantize_uint8=*/kernel,conv*", "--quantize_float16", "i", "o"});
        QCOMPARE(o.quantization.choose("dense/kernel"), std::optional<core::DType>(core::DType::UInt8));
        QCOMPARE(o.quantization.choose("dense/bias"), std::optional<core::DType>(core::DType::Float16));
        const auto legacy = conv::parseConvertArgs({"--quantization_bytes", "2", "i", "o"});
        QCOMPARE(legacy.quantization.choose("x"), std::optional<core::DType>(core::DType::UInt16));
        QCOMPARE(legacy.warnings.size(), std::size_t(1));
    }
    void quantizePatternsAsSeparateWord()
    {
        const auto a = conv::parseConvertArgs({"--quantize_uint8", "conv*,dense*", "in", "out"});
        QCOMPARE(a.quantization.choose("conv1/kernel"), std::optional<core::DType>(core::DType::UInt8));
        QCOMPARE(a.quantization.choose("bn/gamma"), std::optional<core::DType>());
        QCOMPARE(QString::fromStdString(a.inputPath), QString("in"));
        // With only the two paths after it, the flag means every weight.
        const auto b = conv::parseConvertArgs({"--quantize_uint16", "in", "out"});
        QCOMPARE(b.quantization.choose("bn/gamma"), std::optional<core::DType>(core::DType::UInt16));
        QCOMPARE(QString::fromStdString(b.outputPath), QString("out"));
        const auto c = conv::parseConvertArgs({"--quantize_float16", "*/kernel", "--weight_shard_size_bytes", "9", "in", "out"});
        QCOMPARE(c.quantization.choose("x/kernel"), std::optional<core::DType>(core::DType::Float16));
        QCOMPARE(c.shardSize, std::uint64_t(9));
    }
    void pythonBoolQuirk()
    {
        QVERIFY(conv::parseConvertArgs({"--strip_debug_ops=False", "i", "o"}).stripDebugOps);
        QVERIFY(!conv::parseConvertArgs({"--strip_debug_ops=", "i", "o"}).stripDebugOps);
    }
    void errors()
    {
        QVERIFY(errorOf({"--weight_shard_size_bytes=0", "i", "o"}).contains("positive integer, but got 0"));
        QVERIFY(errorOf({"--weight_shard_size_bytes=-5", "i", "o"}).contains("positive integer, but got -5"));
        QVERIFY(errorOf({"--weight_shard_size_bytes=abc", "i", "o"}).contains("invalid int value"));
        QVERIFY(errorOf({"--quantization_bytes=1", "--quantize_uint8", "i", "o"}).contains("cannot be used with the new"));
        QVERIFY(errorOf({"--quantize_uint8", "--quantize_uint16", "i", "o"}).contains("More than one quantization fallthrough"));
        QVERIFY(errorOf({"--input_format=onnx", "i", "o"}).contains("invalid choice: 'onnx'"));
        QVERIFY(errorOf({"--bogus", "i", "o"}).contains("unrecognized argument: --bogus"));
        QVERIFY(errorOf({}).contains("Missing input_path"));
        QVERIFY(errorOf({"i"}).contains("Missing output_path"));
    }
};

QTEST_APPLESS_MAIN(TestOptions)
#include "test_options.moc"
