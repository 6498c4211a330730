// Chart colours from the palette; see chart_style.h.
#include "ui/widgets/chart_style.h"

#include <QAbstractAxis>
#include <QChart>
#include <QLegend>

#include <array>
#include <cmath>

namespace studio::ui {

bool isDarkPalette(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5f;
}

void styleChart(QChart* chart, const QPalette& palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    QColor grid = palette.color(QPalette::Mid);
    // Mid is nearly the base colour in some dark palettes: the grid must still show.
    if (std::abs(grid.lightnessF() - palette.color(QPalette::Base).lightnessF()) < 0.12f)
        grid = isDarkPalette(palette) ? palette.color(QPalette::Base).lighter(180) : palette.color(QPalette::Base).darker(130);
    // The panel's colour around the plot, so the chart reads as part of the dock.
    chart->setBackgroundVisible(false);
    chart->setPlotAreaBackgroundBrush(palette.brush(QPalette::Base));
    chart->setPlotAreaBackgroundVisible(true);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    chart->legend()->setBorderColor(Qt::transparent);
    chart->legend()->setBrush(Qt::NoBrush);
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(grid);
        axis->setLinePenColor(grid);
    }
}

QColor seriesColor(int n, const QPalette& palette)
{
    // Distinct in hue and readable on the plot's base colour; the dark set is lighter.
    static const std::array<QColor, 6> light = {QColor(0x1f, 0x6f, 0xc5), QColor(0xd0, 0x60, 0x20),
        QColor(0x2e, 0x8b, 0x57), QColor(0x8e, 0x44, 0xad), QColor(0xb0, 0x30, 0x50), QColor(0x5d, 0x6d, 0x7e)};
    static const std::array<QColor, 6> dark = {QColor(0x5a, 0xa9, 0xff), QColor(0xff, 0x9a, 0x4d),
        QColor(0x5c, 0xd6, 0x8a), QColor(0xc3, 0x8b, 0xf0), QColor(0xff, 0x6f, 0x8f), QColor(0xb0, 0xbe, 0xc5)};
    const auto& set = isDarkPalette(palette) ? dark : light;
    return set[static_cast<std::size_t>(n) % set.size()];
}

QColor mutedColor(const QPalette& palette)
{
    return isDarkPalette(palette) ? QColor(0x9a, 0x9a, 0x9a) : QColor(0x80, 0x80, 0x80);
}

} // namespace studio::ui
