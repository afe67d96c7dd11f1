// xmppcore — umbrella header: includes every public header of the library.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
