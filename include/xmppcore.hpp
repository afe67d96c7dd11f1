// xmppcore — umbrella header: includes every public header of the library
// (xml/, crypto/, jid/, sasl/, stanza/). One header per layer is enough when
// you need only that layer; see README.md.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/base64.hpp>
#include <xmppcore/crypto/constant_time.hpp>
#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/crypto/hmac.hpp>
#include <xmppcore/crypto/md5.hpp>
#include <xmppcore/crypto/pbkdf2.hpp>
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/crypto/sha1.hpp>
#include <xmppcore/crypto/sha256.hpp>
#include <xmppcore/jid/domain.hpp>
#include <xmppcore/jid/error.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/jid/prohibited.hpp>
#include <xmppcore/jid/stringprep.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/digest_md5_directives.hpp>
#include <xmppcore/sasl/external.hpp>
#include <xmppcore/sasl/mechanism.hpp>
#include <xmppcore/sasl/payload.hpp>
#include <xmppcore/sasl/plain.hpp>
#include <xmppcore/sasl/scram.hpp>
#include <xmppcore/stanza/addressing.hpp>
#include <xmppcore/stanza/binding.hpp>
#include <xmppcore/stanza/delivery.hpp>
#include <xmppcore/stanza/error.hpp>
#include <xmppcore/stanza/reply.hpp>
#include <xmppcore/stanza/rules.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/stream/error.hpp>
#include <xmppcore/stream/features.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/document.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/limits.hpp>
#include <xmppcore/xml/parse_error.hpp>
#include <xmppcore/xml/pugixml.hpp>
#include <xmppcore/xml/push_parser.hpp>
#include <xmppcore/xml/writer.hpp>
