import { Button } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n.js';

/**
 * Plays audio the API serves behind the bearer token (an <audio src> cannot send it): fetched
 * on the first click, then an <audio controls> element on the blob.
 */
export function AudioPlayer(props: { load(): Promise<Blob>; testId: string; onPlay?: () => void }) {
  const { t } = useI18n();
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState(false);
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);

  if (url) return <audio controls autoPlay src={url} data-testid={`audio-${props.testId}`} style={{ height: 32 }} />;
  return (
    <Button
      size="xs"
      variant="light"
      color={failed ? 'red' : undefined}
      data-testid={`play-${props.testId}`}
      onClick={() =>
        props.load().then(
          (blob) => {
            setUrl(URL.createObjectURL(blob));
            props.onPlay?.();
          },
          () => setFailed(true),
        )
      }
    >
      ▶ {t('play')}
    </Button>
  );
}

/** Saves audio the API serves behind the bearer token as a file. */
export function DownloadButton(props: { load(): Promise<Blob>; fileName: string; testId: string }) {
  const { t } = useI18n();
  const download = async (): Promise<void> => {
    const url = URL.createObjectURL(await props.load());
    const a = document.createElement('a');
    a.href = url;
    a.download = props.fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <Button size="xs" variant="subtle" onClick={() => void download()} data-testid={`download-${props.testId}`}>
      {t('download')}
    </Button>
  );
}
