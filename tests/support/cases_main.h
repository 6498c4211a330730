// main() for Qt Test executables that take "--cases MODEL=DUMP ..." after their Qt arguments
// (the model/dump pairs made by the ctest wrapper scripts).
#pragma once

#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace studio::test {

// The _data half of a data-driven test over the cases: one row per model/dump pair.
inline void addCaseRows(const std::vector<std::pair<std::string, std::string>>& cases)
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("dump");
    QVERIFY2(!cases.empty(), "no cases given (run through ctest)");
    for (const auto& [model, dump] : cases)
        QTest::newRow(model.c_str()) << QString::fromStdString(model) << QString::fromStdString(dump);
}

// A TF.js dump written by tests/parity/dump_outputs.js; throws when it is missing or broken.
inline nlohmann::json loadDump(const QString& path)
{
    std::ifstream in(path.toStdString());
    if (!in)
        throw std::runtime_error("missing TF.js dump " + path.toStdString());
    return nlohmann::json::parse(in);
}

inline int runWithCases(QObject& test, int argc, char** argv, std::vector<std::pair<std::string, std::string>>& cases)
{
    std::vector<char*> qtArgs;
    bool inCases = false;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--cases") {
            inCases = true;
            continue;
        }
        if (inCases) {
            const auto eq = a.find('=');
            cases.emplace_back(a.substr(0, eq), eq == std::string::npos ? std::string() : a.substr(eq + 1));
        } else {
            qtArgs.push_back(argv[i]);
        }
    }
    return QTest::qExec(&test, static_cast<int>(qtArgs.size()), qtArgs.data());
}

} // namespace studio::test
