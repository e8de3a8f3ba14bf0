# The README's Python block ("Connecting"), verbatim: .ci/readme-commands runs it against a
# broker on port 9001 (it runs until stopped), and ReadmeBlockCoverageTests checks it is the README's.
from preserves import parse
from syndicate import relay, turn, actor
from syndicate.schema import sturdy
cap = sturdy.SturdyRef.decode(parse('<ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>'))

@actor.run_system(name='hello')
def main():
    @relay.connect('<tcp "127.0.0.1" 9001>', cap)
    def on_connected(ds):
        turn.publish(ds, parse('<Present "python">'))
