import { FaxToEmail } from '../../src/fax/FaxToEmail.js';
import { silentLogger } from '../../src/logger.js';
import type { Endpoint, FaxReceiveResult } from '../../src/media/MediaTypes.js';
import { blockPage, writeFaxTiff } from '../fax/faxImage.js';

/**
 * Faxes kept the way a fax call leaves them: FaxToEmail itself writes the TIFF, the PDF
 * (tiff2pdf) and the record, on an endpoint whose fax machine is this function (test/fax/
 * covers reception from a real spandsp sender over RTP).
 */
export async function receiveFax(
  faxDir: string,
  call: { customerId?: string; calledNumber: string; caller?: string; pages: number; remoteIdent?: string },
): Promise<void> {
  const endpoint = {
    async receiveFax(tiffPath: string): Promise<FaxReceiveResult> {
      if (call.pages === 0) return { success: false, pages: 0, remoteIdent: '', reason: 'Far end disconnected', kind: 'call-dropped', seconds: 4 };
      await writeFaxTiff(tiffPath, Array.from({ length: call.pages }, (_v, i) => blockPage(400, 7 + i)));
      return { success: true, pages: call.pages, remoteIdent: call.remoteIdent ?? '', reason: 'OK', kind: 'ok', seconds: 20 * call.pages };
    },
  } as unknown as Endpoint;
  await new FaxToEmail({ dir: faxDir, logger: silentLogger() }).receive({
    endpoint,
    email: ['fax@example.nl'],
    calledNumber: call.calledNumber,
    ...(call.customerId ? { customerId: call.customerId } : {}),
    ...(call.caller ? { caller: call.caller } : {}),
    signal: new AbortController().signal,
  });
}
