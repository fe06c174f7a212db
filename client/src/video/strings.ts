/** Strings of live video and evidence (issue #22). Vietnamese first; merged by app/strings/register.ts. */
import type { Strings } from '../i18n/strings.js';

export const videoVi = {
  video: {
    watch: 'Xem trực tiếp',
    hide: 'Ẩn video',
    state: { connecting: 'Đang kết nối…', live: 'Trực tiếp', stalled: 'Hình bị đứng, đang chờ…', offline: 'Mất tín hiệu, đang thử lại' },
    refused: 'Không có quyền xem camera này',
    busy: 'Máy chủ đang phát tối đa số luồng video: hãy đóng bớt một ô',
    none: 'Camera này chưa có luồng video',
    wall: 'Màn hình camera',
    wallOpen: 'Xem các camera',
    wallClose: 'Đóng màn hình camera',
    layout: 'Bố cục',
    layoutN: '{{n}} ô',
    add: 'Thêm camera…',
    remove: 'Bỏ camera này',
    empty: 'Chọn camera để xem',
    fullscreen: 'Nhấp đúp để xem toàn màn hình',
    simulated: 'Hình giả lập',
  },
  evidence: {
    title: 'Hình ảnh bằng chứng',
    loading: 'Đang tải hình ảnh…',
    missing: 'Chưa có hình ảnh từ camera',
    clip: 'Xem đoạn video',
    clipLoading: 'Đang tải video…',
    clipMissing: 'Không tải được đoạn video',
    box: 'Vùng phát hiện',
    image: 'Ảnh',
  },
};

export const videoEn: Strings<typeof videoVi> = {
  video: {
    watch: 'Watch live',
    hide: 'Hide video',
    state: { connecting: 'Connecting…', live: 'Live', stalled: 'Picture stalled, waiting…', offline: 'No signal, retrying' },
    refused: 'You may not watch this camera',
    busy: 'The server plays as many streams as it may: close a tile',
    none: 'This camera has no video stream',
    wall: 'Camera wall',
    wallOpen: 'Watch the cameras',
    wallClose: 'Close the camera wall',
    layout: 'Layout',
    layoutN: '{{n}} tiles',
    add: 'Add a camera…',
    remove: 'Remove this camera',
    empty: 'Choose a camera to watch',
    fullscreen: 'Double-click for full screen',
    simulated: 'Simulated picture',
  },
  evidence: {
    title: 'Evidence',
    loading: 'Loading the image…',
    missing: 'No image from the camera yet',
    clip: 'Play the clip',
    clipLoading: 'Loading the clip…',
    clipMissing: 'Could not load the clip',
    box: 'Detection area',
    image: 'Image',
  },
};
