#!/usr/bin/env python3
"""A chat participant written with syndicate-py 0.19.3: the real Python peer of the interop tests.

It connects to a broker, resolves a sturdy ref through the gatekeeper, asserts
<Present NAME>, and reports on stdout, one line each:
  CONNECTED                once the gatekeeper accepted the ref
  REJECTED <detail>        if it rejected it (then exits with status 3)
  PRESENT <who> / ABSENT <who>
  SAYS <who> <what>
  DISCONNECTED             when the connection is lost (then exits with status 4)
Commands on stdin, one per line: `say TEXT` sends <Says NAME TEXT>; `quit` exits.
"""
import argparse
import asyncio
import os
import sys

from preserves import parse, stringify
from syndicate import Record, actor, dataspace, relay, turn
from syndicate import gatekeeper as gatekeeper_client
from syndicate import patterns as P
from syndicate.during import During
from syndicate.schema import gatekeeper, sturdy

Present = Record.makeConstructor('Present', 'who')
Says = Record.makeConstructor('Says', 'who what')

WELL_KNOWN = '<ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>'


def out(*parts):
    print(*parts, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--address', default='<tcp "127.0.0.1" 9001>')
    parser.add_argument('--ref', default=WELL_KNOWN)
    parser.add_argument('--via', action='append', default=[],
                        help='a sturdy ref resolved first, whose answer (a gatekeeper) resolves the next')
    parser.add_argument('--name', required=True)
    args = parser.parse_args()
    caps = [sturdy.SturdyRef.decode(parse(r)) for r in args.via + [args.ref]]

    async def on_disconnected(_relay, _did_connect):
        out('DISCONNECTED')
        os._exit(4)

    @actor.run_system(name=args.name, debug=False)
    def boot():
        @relay.connect(args.address, on_disconnected=on_disconnected)
        def on_gatekeeper(gk):
            resolve_chain(gk, caps, args.name)


def resolve_chain(gk, caps, name):
    """Resolves caps[0] at gk; the answer resolves the rest, and the last one's is the chat."""
    @gatekeeper_client._resolve(gk, caps[0])
    @During().add_handler
    def on_answer(answer):
        resolved = gatekeeper.Resolved.decode(answer)
        if resolved.VARIANT.name != 'accepted':
            out('REJECTED', stringify(resolved.value.detail))
            os._exit(3)
        if len(caps) > 1:
            resolve_chain(resolved.responderSession, caps[1:], name)
        else:
            chat(resolved.responderSession, name)


def chat(ds, name):
    turn.publish(ds, Present(name))

    @dataspace.during(ds, P.rec('Present', P.CAPTURE))
    def on_present(who):
        out('PRESENT', who)
        return lambda: out('ABSENT', who)

    @dataspace.on_message(ds, P.rec('Says', P.CAPTURE, P.CAPTURE))
    def on_says(who, what):
        out('SAYS', who, what)

    facet = turn.active_facet()

    @turn.linked_task()
    async def read_commands(_facet):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                break
            command = line.decode().strip()
            if command.startswith('say '):
                text = command[4:]
                turn.external(facet, lambda: turn.send(ds, Says(name, text)))
            elif command == 'quit':
                break
        os._exit(0)

    out('CONNECTED')


if __name__ == '__main__':
    main()
