from rtinspect.cli import main

# guarded: the transcription pool's spawned workers import the main module under another name
if __name__ == "__main__":
    raise SystemExit(main())
