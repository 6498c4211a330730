// Chart colours from the widget palette, so Qt Charts follow a dark (or light) theme like the
// rest of the window instead of drawing their own white theme.
#pragma once

#include <QColor>
#include <QPalette>

class QChart;

namespace studio::ui {

// True when the palette's window colour is dark: series colours then need more lightness.
bool isDarkPalette(const QPalette& palette);

// Background, plot area, axis labels, grid and legend of `chart` from `palette`. Series colours
// are left alone: callers pick them with seriesColor(). Call again on QEvent::PaletteChange.
void styleChart(QChart* chart, const QPalette& palette);

// The n-th of a fixed set of series colours, one set tuned for dark and one for light palettes,
// so that a comparison keeps one colour per entry whatever the theme.
QColor seriesColor(int n, const QPalette& palette);

// Hollow markers and reference lines: readable on the plot area, quieter than a series.
QColor mutedColor(const QPalette& palette);

} // namespace studio::ui
