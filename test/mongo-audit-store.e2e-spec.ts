import { MongoMetadataStore } from '@app/metadata/mongodb';
import { describeAuditStoreContract } from '@app/metadata/testing/audit-store.contract';
import type { RunningFerretDb } from './support/test-servers';
import { describeOnFerretDb, dropDatabase } from './support/backing-suites';

describeOnFerretDb('MongoMetadataStore audit log against FerretDB', 'the audit store suite', (server) => {
  let ferret: RunningFerretDb;
  let databases = 0;
  beforeAll(() => {
    ferret = server();
  });

  describeAuditStoreContract('mongodb (FerretDB)', async () => {
    const name = `hoard_audit_${process.pid}_${++databases}`;
    const sut = new MongoMetadataStore({ uri: ferret.uri, db: name });
    await sut.init();
    return {
      sut,
      cleanup: async () => {
        await sut.close();
        await dropDatabase(ferret.uri, name);
      },
    };
  });
});
