// How the inspector renders each attribute kind, dtypes, shapes and sizes.
#include "ui/format.h"

#include <QTest>

using studio::core::AttrValue;
using studio::core::Shape;

class TestFormat : public QObject {
    Q_OBJECT
private slots:
    void scalars()
    {
        QCOMPARE(studio::ui::attrText(AttrValue::ofInt(-3)), QStringLiteral("-3"));
        QCOMPARE(studio::ui::attrText(AttrValue::ofBool(true)), QStringLiteral("true"));
        // TF attribute floats are float32: show 0.001, not the double the JSON spelled out.
        QCOMPARE(studio::ui::attrText(AttrValue::ofFloat(0.0010000000474974513)), QStringLiteral("0.001"));
        QCOMPARE(studio::ui::attrText(AttrValue::ofFloat(0.0)), QStringLiteral("0"));
        QCOMPARE(studio::ui::attrKindName(AttrValue::ofFloat(1.5)), QStringLiteral("float"));
    }

    void stringsAndBytes()
    {
        QCOMPARE(studio::ui::attrText(AttrValue::ofString("SAME")), QStringLiteral("\"SAME\""));
        const std::string raw("\x00\x01\xff", 3);
        QCOMPARE(studio::ui::attrText(AttrValue::ofString(raw)), QStringLiteral("<3 bytes: 00 01 ff>"));
    }

    void typesAndShapes()
    {
        QCOMPARE(studio::ui::attrText(AttrValue::ofType(1)), QStringLiteral("DT_FLOAT"));
        QCOMPARE(studio::ui::attrText(AttrValue::ofType(3)), QStringLiteral("DT_INT32"));
        QCOMPARE(studio::ui::attrText(AttrValue::ofType(9999)), QStringLiteral("DataType 9999"));
        QCOMPARE(studio::ui::attrText(AttrValue::ofShape(Shape{{-1, 224, 224, 3}, false})), QStringLiteral("[?,224,224,3]"));
        QCOMPARE(studio::ui::specDtypeText(1), QStringLiteral("float32"));
        QCOMPARE(studio::ui::specDtypeText(std::nullopt), QStringLiteral("?"));
    }

    void lists()
    {
        AttrValue strides;
        strides.kind = AttrValue::Kind::List;
        strides.list.i = {1, 2, 2, 1};
        QCOMPARE(studio::ui::attrText(strides), QStringLiteral("[1, 2, 2, 1]"));
        QCOMPARE(studio::ui::attrKindName(strides), QStringLiteral("list(int)"));

        AttrValue ops;
        ops.kind = AttrValue::Kind::List;
        ops.list.s = {"BiasAdd", "Relu"};
        QCOMPARE(studio::ui::attrText(ops), QStringLiteral("[\"BiasAdd\", \"Relu\"]"));

        AttrValue types;
        types.kind = AttrValue::Kind::List;
        types.list.type = {1, 3};
        QCOMPARE(studio::ui::attrText(types), QStringLiteral("[DT_FLOAT, DT_INT32]"));

        AttrValue empty;
        empty.kind = AttrValue::Kind::List;
        QCOMPARE(studio::ui::attrText(empty), QStringLiteral("[]"));
        QCOMPARE(studio::ui::attrKindName(empty), QStringLiteral("list"));

        AttrValue longList;
        longList.kind = AttrValue::Kind::List;
        longList.list.i.assign(100, 7);
        QVERIFY(studio::ui::attrText(longList).endsWith(QStringLiteral("… (100 items)]")));
    }

    void tensorsAndFuncs()
    {
        AttrValue t;
        t.kind = AttrValue::Kind::Tensor;
        t.tensor.dtype = 3;
        t.tensor.shape = Shape{{4}, false};
        t.tensor.hasShape = true;
        QCOMPARE(studio::ui::attrText(t), QStringLiteral("DT_INT32 [4]"));

        AttrValue f;
        f.kind = AttrValue::Kind::Func;
        f.func.name = "while_body_12";
        QCOMPARE(studio::ui::attrText(f), QStringLiteral("while_body_12"));
    }

    void sizes()
    {
        QCOMPARE(studio::ui::bytesText(400), QStringLiteral("400 B"));
        QCOMPARE(studio::ui::bytesText(402048), QStringLiteral("392.6 KiB"));
        QCOMPARE(studio::ui::bytesText(4194304), QStringLiteral("4.00 MiB"));
        QCOMPARE(studio::ui::bytesExactText(402048), QStringLiteral("402,048 bytes"));
    }

    void json()
    {
        QCOMPARE(studio::ui::jsonText(nlohmann::ordered_json::parse("[1,1]")), QStringLiteral("[1, 1]"));
        QCOMPARE(studio::ui::jsonText(nlohmann::ordered_json("same")), QStringLiteral("\"same\""));
        QCOMPARE(studio::ui::jsonText(nlohmann::ordered_json::parse(R"(["a,b"])")), QStringLiteral("[\"a,b\"]"));
    }
};

QTEST_GUILESS_MAIN(TestFormat)
#include "test_format.moc"
