package org.e2guard.reports;

/**
 * A small HTML page writer: escaping in one place, and the page frame every report shares (its
 * stylesheet, the charting library, the script that draws charts from the page's data block).
 */
final class Html {
    static final String ECHARTS = "/_static/echarts/5.6.0/dist/echarts.min.js";
    private final StringBuilder sb = new StringBuilder(16_384);

    static String esc(Object text) {
        String s = String.valueOf(text);
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Opens a page; {@code charts} loads the charting library and the report script. */
    Html page(String title, boolean charts) {
        sb.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(title)).append(" · e2guard</title>")
                .append("<link rel=\"stylesheet\" href=\"/reports/assets/report.css\">");
        if (charts) {
            sb.append("<script src=\"").append(ECHARTS).append("\" defer></script>")
                    .append("<script src=\"/reports/assets/report.js\" defer></script>");
        }
        sb.append("</head><body>\n");
        return this;
    }

    /** Raw markup: only for literals and already-escaped text. */
    Html raw(String markup) {
        sb.append(markup);
        return this;
    }

    Html text(Object text) {
        sb.append(esc(text));
        return this;
    }

    Html el(String tag, String attributes, Object text) {
        sb.append('<').append(tag).append(attributes.isEmpty() ? "" : " " + attributes).append('>').append(esc(text))
                .append("</").append(tag).append('>');
        return this;
    }

    /** The data the charts are drawn from, as JSON in a non-executed script block. */
    Html data(String json) {
        // "<" only occurs inside JSON strings, where \u003c means the same and cannot close the block
        sb.append("<script type=\"application/json\" id=\"report-data\">").append(json.replace("<", "\\u003c"))
                .append("</script>\n");
        return this;
    }

    String end() {
        return sb.append("</body></html>\n").toString();
    }
}
