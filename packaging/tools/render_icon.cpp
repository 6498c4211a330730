// Build-time helper: renders the SVG application icon to PNG files of the given sizes, so the
// PNGs (hicolor theme, window icon, installers) always come from the one SVG.
// usage: studio_render_icon ICON.svg SIZE:OUT.png [SIZE:OUT.png ...] [--ico OUT.ico]
// --ico writes a Windows icon holding every size given (PNG-compressed entries).
#include <QBuffer>
#include <QCoreApplication>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QString>
#include <QSvgRenderer>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

struct Entry {
    int size;
    QByteArray png;
};

void put16(QByteArray& out, std::uint16_t v)
{
    out.append(char(v & 0xff)).append(char(v >> 8));
}

void put32(QByteArray& out, std::uint32_t v)
{
    put16(out, std::uint16_t(v & 0xffff));
    put16(out, std::uint16_t(v >> 16));
}

// ICONDIR, one ICONDIRENTRY per image, then the PNG streams (Windows Vista and later read PNG
// entries; a width or height of 256 is stored as 0).
bool writeIco(const QString& path, const std::vector<Entry>& entries)
{
    QByteArray out;
    put16(out, 0);
    put16(out, 1);
    put16(out, std::uint16_t(entries.size()));
    std::uint32_t offset = 6 + 16 * std::uint32_t(entries.size());
    for (const auto& e : entries) {
        out.append(char(e.size >= 256 ? 0 : e.size)).append(char(e.size >= 256 ? 0 : e.size));
        out.append(char(0)).append(char(0)); // no palette, reserved
        put16(out, 1);                       // colour planes
        put16(out, 32);                      // bits per pixel
        put32(out, std::uint32_t(e.png.size()));
        put32(out, offset);
        offset += std::uint32_t(e.png.size());
    }
    for (const auto& e : entries)
        out.append(e.png);
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(out) == out.size() && file.flush();
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    QString ico;
    if (const qsizetype at = args.indexOf(QStringLiteral("--ico")); at >= 0) {
        if (at + 1 >= args.size()) {
            std::fprintf(stderr, "studio_render_icon: --ico needs a file name\n");
            return 2;
        }
        ico = args[at + 1];
        args.remove(at, 2);
    }
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: studio_render_icon ICON.svg SIZE:OUT.png [SIZE:OUT.png ...] [--ico OUT.ico]\n");
        return 2;
    }
    QSvgRenderer svg(args[0]);
    if (!svg.isValid()) {
        std::fprintf(stderr, "studio_render_icon: %s: not a readable SVG file\n", qPrintable(args[0]));
        return 1;
    }
    std::vector<Entry> entries;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const qsizetype colon = args[i].indexOf(u':');
        bool ok = false;
        const int size = colon > 0 ? args[i].left(colon).toInt(&ok) : 0;
        if (!ok || size < 1 || size > 4096 || colon + 1 >= args[i].size()) {
            std::fprintf(stderr, "studio_render_icon: '%s': expected SIZE:OUT.png with SIZE in 1..4096\n", qPrintable(args[i]));
            return 2;
        }
        if (!ico.isEmpty() && size > 256) {
            std::fprintf(stderr, "studio_render_icon: a Windows icon holds sizes up to 256, not %d\n", size);
            return 2;
        }
        const QString out = args[i].mid(colon + 1);
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        {
            QPainter painter(&image);
            painter.setRenderHint(QPainter::Antialiasing);
            svg.render(&painter, QRectF(0, 0, size, size));
        }
        if (!image.save(out, "PNG")) {
            std::fprintf(stderr, "studio_render_icon: cannot write %s\n", qPrintable(out));
            return 1;
        }
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        image.save(&buffer, "PNG");
        entries.push_back({size, png});
    }
    if (!ico.isEmpty() && !writeIco(ico, entries)) {
        std::fprintf(stderr, "studio_render_icon: cannot write %s\n", qPrintable(ico));
        return 1;
    }
    return 0;
}
