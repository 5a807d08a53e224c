#!/bin/sh
# Regenerates the sample speech WAVs in this folder with espeak-ng and sox (Debian: apt-get install espeak-ng sox).
# Small on purpose (each under ~150 KB); different rates, channel counts and encodings, so `rtinspect send`
# and the tests exercise resampling, downmixing and G.711.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() {
  espeak-ng -v en-us -s "${3:-150}" -w "$tmp/$1.raw.wav" "$2"
  # trim the synthesiser's leading and trailing silence to keep the files small
  sox "$tmp/$1.raw.wav" "$tmp/$1.wav" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
}

say hello "hello can you hear me"
say weather "what is the weather like today"
say short "hello there" 190

# pcm16 mono 24 kHz: exactly the Realtime input format
sox "$tmp/hello.wav" -r 24000 -c 1 -b 16 -e signed-integer hello_24k_mono.wav
# pcm16 mono 16 kHz: the classic "16 kHz sent as 24 kHz" mistake when not converted
sox "$tmp/weather.wav" -r 16000 -c 1 -b 16 -e signed-integer weather_16k_mono.wav
# pcm16 stereo 48 kHz: a typical recorder's output, needs downmix + resample
sox "$tmp/short.wav" -r 48000 -c 2 -b 16 -e signed-integer hello_48k_stereo.wav
# G.711 u-law 8 kHz: telephony
sox "$tmp/hello.wav" -r 8000 -c 1 -e u-law hello_8k_ulaw.wav
# float32 mono 44.1 kHz
sox "$tmp/short.wav" -r 44100 -c 1 -b 32 -e floating-point hello_44k_float.wav
ls -l ./*.wav
