// Quantization against FORMATS.md's worked examples and the reference converter's real output.
#include "core/error.h"
#include "core/tfjs/json_writer.h"
#include "core/tfjs/quantize.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace studio::core;

class TestQuantize : public QObject {
    Q_OBJECT

    static std::vector<std::uint8_t> u8(const std::vector<float>& x, AffineParams& p)
    {
        std::vector<std::uint8_t> out(x.size());
        p = quantizeAffine(x.data(), x.size(), DType::UInt8, out.data());
        return out;
    }

private slots:
    void exampleA_uint8()
    {
        AffineParams p;
        const auto q = u8({0.0f, -0.1f, 1.2f}, p);
        QCOMPARE(q, (std::vector<std::uint8_t>{20, 0, 255}));
        QCOMPARE(p.min, -0.10196078817049663);
        QCOMPARE(p.scale, 0.0050980394085248315);
        QCOMPARE(QString::fromStdString(pythonFloatRepr(p.min)), QString("-0.10196078817049663"));
        std::vector<float> back(3);
        dequantizeAffine(q.data(), 3, DType::UInt8, p, back.data());
        QCOMPARE(back[0], 0.0f); // zero is exact after nudging
        QCOMPARE(back[1], static_cast<float>(-0.10196078817049663));
    }

    void exampleA_uint16()
    {
        const std::vector<float> x{0.0f, -0.1f, 1.2f};
        std::vector<std::uint8_t> out(6);
        const auto p = quantizeAffine(x.data(), 3, DType::UInt16, out.data());
        std::uint16_t q[3];
        std::memcpy(q, out.data(), 6);
        QCOMPARE(q[0], std::uint16_t(5041));
        QCOMPARE(q[1], std::uint16_t(0));
        QCOMPARE(q[2], std::uint16_t(65535));
        QCOMPARE(p.scale, 1.9836729216049928e-05);
        QCOMPARE(p.min, -0.09999695197810769);
    }

    void exampleB_tiesToEvenInFloat32()
    {
        AffineParams p;
        const auto q = u8({-1.0f, -0.5f, 0.0f, 0.3f, 2.0f}, p);
        // 42.5 -> 42 (half to even); 0.3 gives 110.49999 in float32 -> 110 (float64 would say 111).
        QCOMPARE(q, (std::vector<std::uint8_t>{0, 42, 85, 110, 255}));
        QCOMPARE(p.min, -1.0);
        QCOMPARE(p.scale, 3.0 / 255.0);
    }

    void exampleC_rangeWithoutZero()
    {
        AffineParams p;
        const auto q = u8({0.5f, 1.5f, 2.5f}, p);
        QCOMPARE(q, (std::vector<std::uint8_t>{0, 127, 255})); // float64 would round 127.5 up to 128
        QCOMPARE(p.min, 0.5); // not nudged
        QCOMPARE(p.scale, 2.0 / 255.0);
        std::vector<float> back(3);
        dequantizeAffine(q.data(), 3, DType::UInt8, p, back.data());
        QCOMPARE(back[1], static_cast<float>(127 * (2.0 / 255.0) + 0.5));
    }

    void negativeRangeWithoutZero()
    {
        AffineParams p;
        const auto q = u8({-3.0f, -2.0f, -1.0f}, p);
        QCOMPARE(p.min, -3.0);
        QCOMPARE(q.front(), std::uint8_t(0));
        QCOMPARE(q.back(), std::uint8_t(255));
    }

    void constantTensor()
    {
        AffineParams p;
        const auto q = u8({0.25f, 0.25f, 0.25f, 0.25f}, p);
        QCOMPARE(q, (std::vector<std::uint8_t>{0, 0, 0, 0}));
        QCOMPARE(p.min, 0.25);
        QCOMPARE(p.scale, 1.0);
        std::vector<float> back(4);
        dequantizeAffine(q.data(), 4, DType::UInt8, p, back.data());
        QCOMPARE(back[3], 0.25f);
    }

    // numpy: min()/max() propagate NaN, so the reference writes "min": NaN, "scale": NaN and every
    // element becomes NaN, which astype(uint8/uint16) turns into 0 on x86. The old code cast NaN
    // to an integer (undefined behaviour; UBSan's float-cast-overflow fires) and ignored the NaN
    // in min/max unless it came first.
    void nanLikeNumpy()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        // The NaN in the middle, then in a full 8-lane block with a tail, then first.
        const std::vector<std::vector<float>> inputs{{-1.0f, nan, 2.0f},
            {0.5f, 1, 2, 3, 4, 5, 6, nan, 8, 9, -3}, {nan, -1.0f, 2.0f}};
        for (const auto& x : inputs) {
            for (const DType storage : {DType::UInt8, DType::UInt16}) {
                std::vector<std::uint8_t> out(x.size() * (storage == DType::UInt8 ? 1 : 2), 0xAB);
                const auto p = quantizeAffine(x.data(), x.size(), storage, out.data());
                QVERIFY2(std::isnan(p.min) && std::isnan(p.scale), qPrintable(QString::number(p.min)));
                QCOMPARE(out, std::vector<std::uint8_t>(out.size(), 0));
                QCOMPARE(QString::fromStdString(pythonFloatRepr(p.min)), QString("NaN"));
            }
        }
        // An infinite range makes the nudged minimum NaN (-0 * inf) in numpy too: all zeros.
        const std::vector<float> inf{-1.0f, std::numeric_limits<float>::infinity()};
        std::vector<std::uint8_t> out(2, 0xAB);
        const auto p = quantizeAffine(inf.data(), 2, DType::UInt8, out.data());
        QVERIFY(std::isnan(p.min));
        QCOMPARE(out, (std::vector<std::uint8_t>{0, 0}));
        // Given parameters: a NaN value, or a NaN scale, casts to 0 as numpy does on x86.
        const std::vector<float> x{nan, 0.5f, 1.0f};
        out.assign(3, 0xAB);
        quantizeAffineWith(x.data(), 3, DType::UInt8, {0.0, 1.0 / 255.0}, out.data());
        QCOMPARE(out[0], std::uint8_t(0));
        out.assign(3, 0xAB);
        quantizeAffineWith(x.data(), 3, DType::UInt8, {0.0, std::nan("")}, out.data());
        QCOMPARE(out, (std::vector<std::uint8_t>{0, 0, 0}));
    }

    void float16Examples()
    {
        QCOMPARE(floatToHalf(0.1f), std::uint16_t(0x2E66));
        QCOMPARE(floatToHalf(-2.5f), std::uint16_t(0xC100));
        QCOMPARE(static_cast<double>(halfToFloat(0x2E66)), 0.0999755859375);
        QCOMPARE(floatToHalf(65504.0f), std::uint16_t(0x7BFF));
        QCOMPARE(floatToHalf(65520.0f), std::uint16_t(0x7C00)); // rounds to inf
        QCOMPARE(floatToHalf(65519.996f), std::uint16_t(0x7BFF));
        QCOMPARE(floatToHalf(std::ldexp(1.0f, -24)), std::uint16_t(0x0001)); // smallest subnormal
        QCOMPARE(floatToHalf(std::ldexp(1.0f, -25)), std::uint16_t(0x0000)); // tie to even: zero
        QCOMPARE(floatToHalf(std::ldexp(1.5f, -25)), std::uint16_t(0x0001));
        QCOMPARE(floatToHalf(-0.0f), std::uint16_t(0x8000));
        // Tie between two normals: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 -> even (1.0).
        QCOMPARE(floatToHalf(1.0f + std::ldexp(1.0f, -11)), std::uint16_t(0x3C00));
        QCOMPARE(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), std::uint16_t(0x3C02));
        // Every half value survives a round trip through float32.
        for (std::uint32_t h = 0; h < 0x10000; ++h) {
            const auto bits = static_cast<std::uint16_t>(h);
            if ((bits & 0x7C00) == 0x7C00 && (bits & 0x3FF))
                continue; // NaN payloads
            if (floatToHalf(halfToFloat(bits)) != bits)
                QFAIL(qPrintable(QString("half 0x%1 does not round-trip").arg(h, 4, 16, QChar('0'))));
        }
    }

    // The error the overlay shows, against the spec's worked examples: A (uint8) dequantizes
    // [0, -0.1, 1.2] to [0, -0.10196079, 1.1980393]; C's middle value 1.5 comes back as 1.4960784;
    // float16 stores 0.1f as 0.0999755859375.
    void quantizationErrorFromExamples()
    {
        const float a[] = {0.0f, -0.1f, 1.2f};
        const auto ea = quantizationError(a, 3, DType::UInt8);
        const double wantA = std::max(std::abs(static_cast<double>(-0.1f) - static_cast<double>(-0.10196079f)),
            std::abs(static_cast<double>(1.2f) - static_cast<double>(1.1980393f)));
        QVERIFY2(std::abs(ea.maxAbs - wantA) < 1e-7, qPrintable(QString::number(ea.maxAbs, 'g', 10)));
        QVERIFY(std::abs(ea.range - (static_cast<double>(1.2f) - static_cast<double>(-0.1f))) < 1e-12);
        const double rmsA = std::sqrt((0.1 * 0.1 + 1.2 * 1.2) / 3);
        QVERIFY(std::abs(ea.rms - rmsA) < 1e-7);
        QVERIFY(std::abs(ea.relative() - wantA / rmsA) < 1e-6);
        const float c[] = {0.5f, 1.5f, 2.5f};
        const auto ec = quantizationError(c, 3, DType::UInt8);
        QVERIFY2(std::abs(ec.maxAbs - (1.5 - static_cast<double>(1.4960784f))) < 1e-7, qPrintable(QString::number(ec.maxAbs, 'g', 10)));
        // uint16 loses far less than uint8 on the same data, and float16 0.1f exactly what its bits say.
        QVERIFY(quantizationError(a, 3, DType::UInt16).maxAbs < ea.maxAbs / 100);
        const float tenth[] = {0.1f};
        QCOMPARE(quantizationError(tenth, 1, DType::Float16).maxAbs, static_cast<double>(0.1f) - 0.0999755859375);
        // A constant tensor has no range; NaN is skipped; all zeros leave the error alone.
        const float flat[] = {3.0f, 3.0f, std::numeric_limits<float>::quiet_NaN()};
        const auto ef = quantizationError(flat, 3, DType::UInt8);
        QCOMPARE(ef.range, 0.0);
        QCOMPARE(ef.rms, 3.0);
        const float zeros[] = {0.0f, 0.0f};
        const auto ez = quantizationError(zeros, 2, DType::UInt8);
        QCOMPARE(ez.relative(), ez.maxAbs);
    }

    void wildcards()
    {
        QVERIFY(wildcardMatch("*", "conv2d/kernel"));
        QVERIFY(wildcardMatch("conv*", "conv2d/kernel")); // '*' crosses '/'
        QVERIFY(wildcardMatch("*/kernel", "dense_1/kernel"));
        QVERIFY(!wildcardMatch("*/bias", "dense_1/kernel"));
        QVERIFY(wildcardMatch("dense_?/kernel", "dense_1/kernel"));
        QVERIFY(!wildcardMatch("dense_?/kernel", "dense_10/kernel"));
        QVERIFY(wildcardMatch("dense_[0-9]/*", "dense_3/bias"));
        QVERIFY(!wildcardMatch("dense_[!0-9]/*", "dense_3/bias"));
        QVERIFY(!wildcardMatch("Conv*", "conv1")); // case-sensitive, as on POSIX
        QVERIFY(wildcardMatch("a[b", "a[b")); // unterminated class is literal
    }

    void planFallthroughAndConflicts()
    {
        QuantizationPlan plan;
        plan.add(DType::UInt8, {"*/kernel"});
        plan.add(DType::Float16, {});
        QCOMPARE(plan.choose("conv/kernel"), std::optional<DType>(DType::UInt8));
        QCOMPARE(plan.choose("conv/bias"), std::optional<DType>(DType::Float16));
        QVERIFY_THROWS_EXCEPTION(studio::Error, plan.add(DType::UInt16, {}));

        QuantizationPlan clash;
        clash.add(DType::UInt8, {"conv*"});
        clash.add(DType::UInt16, {"*kernel"});
        QCOMPARE(clash.choose("conv/bias"), std::optional<DType>(DType::UInt8));
        try {
            clash.choose("conv/kernel");
            QFAIL("two dtypes matching one weight must be an error");
        } catch (const studio::Error& e) {
            QVERIFY(QString(e.what()).contains("Two quantization values uint8, uint16 match the same node conv/kernel"));
        }
        QuantizationPlan none;
        QCOMPARE(none.choose("x"), std::optional<DType>());
    }

    void pythonReprOfDoubles()
    {
        QCOMPARE(QString::fromStdString(pythonFloatRepr(1.0)), QString("1.0"));
        QCOMPARE(QString::fromStdString(pythonFloatRepr(0.1)), QString("0.1"));
        QCOMPARE(QString::fromStdString(pythonFloatRepr(1e-05)), QString("1e-05"));
        QCOMPARE(QString::fromStdString(pythonFloatRepr(0.0001)), QString("0.0001"));
        QCOMPARE(QString::fromStdString(pythonFloatRepr(1.9836729216049928e-05)), QString("1.9836729216049928e-05"));
        QCOMPARE(QString::fromStdString(pythonFloatRepr(1e16)), QString("1e+16"));
        QCOMPARE(QString::fromStdString(pythonFloatRepr(123456789012345.0)), QString("123456789012345.0"));
        QCOMPARE(QString::fromStdString(pythonFloatRepr(-50.207843137254905)), QString("-50.207843137254905"));
        nlohmann::ordered_json j = {{"a", 1}, {"b", {1.5, "\xc3\xa9"}}};
        QCOMPARE(QString::fromStdString(dumpPythonJson(j)), QString(R"({"a": 1, "b": [1.5, "\u00e9"]})"));
    }
};

QTEST_APPLESS_MAIN(TestQuantize)
#include "test_quantize.moc"
