// The parts of libxml2 the schema documentation uses: building HTML trees, serializing them,
// and parsing HTML back (for tests). Debian: libxml2-dev; the include path comes from pkg-config.
#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU, so <libxml/encoding.h> would include the system's
// <unicode/ucnv.h>. Swift's Foundation carries its own, newer ICU headers (module
// _FoundationICU), and a module that imports both Foundation and this one would then see two
// different definitions of ICU's types. Nothing here uses libxml2's ICU converters (they sit
// behind pointers), so leave the ICU headers out.
#undef LIBXML_ICU_ENABLED

#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/HTMLtree.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

/// Frees memory libxml2 allocated. `xmlFree` is a mutable global function pointer, which Swift
/// cannot call safely under strict concurrency; this wrapper can be.
static inline void clibxml2_free(void *pointer) {
    xmlFree(pointer);
}

#endif
