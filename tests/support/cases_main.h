// main() for Qt Test executables that take "--cases MODEL=DUMP ..." after their Qt arguments
// (the model/dump pairs made by the ctest wrapper scripts).
#pragma once

#include <QtTest>

#include <string>
#include <utility>
#include <vector>

namespace studio::test {

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
