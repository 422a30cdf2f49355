import { runBenchApp } from './benchApp.js';

/** Benchmark app: bridges every INVITE to --target (a SIPp UAS) with createB2BUA; a BYE on either leg ends both. */
runBenchApp('bench-b2bua', (srf, args, logger) => {
  const target = args.target;
  if (!target) throw new Error('--target: the URI to bridge calls to is required');
  srf.invite(async (req, res) => {
    try {
      const { uas, uac } = await srf.createB2BUA(req, res, target, { localSdpB: req.body });
      uas.on('destroy', () => void uac.destroy());
      uac.on('destroy', () => void uas.destroy());
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'createB2BUA failed');
    }
  });
});
