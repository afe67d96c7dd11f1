// xmppcore — umbrella header: includes every public header of the library.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/limits.hpp>
#include <xmppcore/xml/parse_error.hpp>
#include <xmppcore/xml/push_parser.hpp>
#include <xmppcore/xml/document.hpp>
#include <xmppcore/xml/pugixml.hpp>
#include <xmppcore/xml/writer.hpp>
