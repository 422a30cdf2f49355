#!/usr/bin/env bash
# Regenerates the default prompt set in prompts/{nl,en}/ (see prompts/README.md).
# Needs espeak-ng and sox (Debian: apt-get install -y espeak-ng sox). Output: 8 kHz mono A-law WAV,
# the format the embedded media engine plays without resampling. Deterministic: espeak-ng is
# deterministic and sox runs without dither (-D), so a rerun reproduces the committed files.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=prompts
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

say() { # lang id text
  local lang=$1 id=$2 text=$3
  mkdir -p "$OUT/$lang/$(dirname "$id")"
  espeak-ng -v "$lang" -s 150 -w "$TMP/raw.wav" "$text"
  sox -D -V1 "$TMP/raw.wav" -r 8000 -c 1 -e a-law "$OUT/$lang/$id.wav"
}

beep() { # lang
  mkdir -p "$OUT/$1"
  sox -D -V1 -n -r 8000 -c 1 -e a-law "$OUT/$1/beep.wav" synth 0.4 sine 1000 vol 0.5
}

# Dutch
say nl welkom "Welkom."
say nl menu-keuze "Kies 1 voor verkoop, kies 2 voor support."
say nl gesloten "Wij zijn op dit moment gesloten. Bel ons gerust tijdens onze openingstijden."
say nl ongeldige-keuze "Dit is geen geldige keuze."
say nl geen-keuze "U heeft geen keuze gemaakt."
say nl doorverbinden "U wordt doorverbonden."
say nl niet-in-dienst "Dit nummer is niet in gebruik."
say nl bezet "Alle lijnen zijn bezet. Probeer het later nog eens."
say nl niet-bereikbaar "Wij zijn op dit moment niet bereikbaar."
say nl tot-ziens "Tot ziens."
say nl belegtegoed-op "Uw belegtegoed voor deze maand is op."
# Voicemail (src/plans/nodes/voicemail.ts): the default greeting, then the beep.
say nl voicemail-begroeting "U spreekt met de voicemail. Spreek na de toon uw bericht in. Druk op hekje als u klaar bent."
say nl tarief-intro "Dit gesprek kost"
say nl cent "cent"
say nl euro "euro"
say nl per-minuut "per minuut"
say nl per-gesprek "per gesprek"
say nl starttarief "plus een starttarief van"
say nl maximum "met een maximum van"
# Numbers 21-99 are spoken units first with "en" between: vijf-en-tachtig (src/numbers/tariffAnnouncement.ts).
say nl getallen/en "en"
beep nl

# English (same ids, so a plan switches language by prompt directory)
say en welkom "Welcome."
say en menu-keuze "Press 1 for sales, press 2 for support."
say en gesloten "We are closed at the moment. Please call us during our opening hours."
say en ongeldige-keuze "That is not a valid choice."
say en geen-keuze "You did not make a choice."
say en doorverbinden "Please hold while we connect you."
say en niet-in-dienst "This number is not in service."
say en bezet "All lines are busy. Please try again later."
say en niet-bereikbaar "We cannot be reached at the moment."
say en tot-ziens "Goodbye."
say en voicemail-begroeting "You have reached the voicemail. Please leave your message after the tone. Press hash when you are done."
say en tarief-intro "This call costs"
say en cent "cents"
say en euro "euros"
say en per-minuut "per minute"
say en per-gesprek "per call"
say en starttarief "plus a connection fee of"
say en maximum "with a maximum of"
beep en

# Tones (language-free): the Dutch ringback tone, 425 Hz 1 s on, 4 s off (one cadence; the
# runtime repeats it while a forward or hunt group rings: src/calls/ringback.ts).
ringback() {
  mkdir -p "$OUT/tones"
  sox -D -V1 -n -r 8000 -c 1 -e a-law "$OUT/tones/ringback.wav" synth 1 sine 425 vol 0.3 pad 0 4
}
ringback

NUMBERS="$(seq 0 20) 30 40 50 60 70 80 90 100"
for n in $NUMBERS; do
  say nl "getallen/$n" "$n"
  say en "getallen/$n" "$n"
done

# Music on hold (wachtmuziek): a gentle eight-bar melody of soft sine notes, written here, so it is
# free of any licence. The runtime loops it for a party on hold (src/calls/ConnectedCall.ts).
moh() {
  mkdir -p "$OUT/moh"
  local notes=(C5 E5 G5 E5 F5 A5 C6 A5 G5 E5 C5 E5 D5 F5 B4 G4 C5 E5 G5 C6 A5 F5 D5 B4 C5 G4 E4 G4 C5 C5 C5 C5)
  local parts=()
  local i=0
  for n in "${notes[@]}"; do
    sox -D -V1 -n -r 8000 -c 1 -b 16 "$TMP/moh-$i.wav" synth 0.375 sine "$n" fade q 0.02 0.375 0.12 vol 0.35
    parts+=("$TMP/moh-$i.wav")
    i=$((i + 1))
  done
  sox -D -V1 "${parts[@]}" -r 8000 -c 1 -e a-law "$OUT/moh/default.wav"
}
moh
