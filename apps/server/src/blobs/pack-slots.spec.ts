import { PackSlots } from './pack-slots';

describe('PackSlots', () => {
  it('lets `size` parts in at once and the next one in when a slot is given back, in order', async () => {
    const slots = new PackSlots(2);
    await slots.take();
    await slots.take();
    const order: string[] = [];
    const third = slots.take().then(() => order.push('third'));
    const fourth = slots.take().then(() => order.push('fourth'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    slots.give();
    await third;
    expect(order).toEqual(['third']);
    slots.give();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });
});
