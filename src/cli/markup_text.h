// cli: untrusted text (hypotheses, reasons, diffs, names) made safe for HTML and for
// GitHub-flavoured Markdown, for `anneal report`.
#pragma once

#include <string>
#include <string_view>

namespace anneal::cli {

/// `text` as HTML character data or an attribute value: & < > " ' escaped, control
/// characters other than line breaks and tabs dropped.
std::string html_escape(std::string_view text);

/// `text` as inline Markdown (a paragraph or a table cell): on one line, HTML's specials as
/// entities, Markdown's inline punctuation (backslash, backtick, * _ [ ] ~ and a table's |)
/// backslash-escaped, and `@` followed by a zero-width space so an agent's text cannot
/// mention (notify) anyone.
std::string markdown_text(std::string_view text);

/// A fenced code block of `body` in `language`: the fence is longer than any run of
/// backticks in `body`, so nothing inside can close it.
std::string markdown_code_block(std::string_view body, std::string_view language);

}  // namespace anneal::cli
